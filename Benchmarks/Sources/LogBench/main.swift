print("LogBench: placeholder until the storage issue lands")
