import AegisCore
import AegisWire
import AegisEngine
import AegisExport
import Hummingbird

extension AegisRoutes {
    /// `POST /memories/export`: streamed in 64 KiB pieces straight from the engine's paged
    /// sequence through AegisExport's writer, so memory stays bounded for any store size.
    func export(_ req: RouteRequest) throws -> RouteResponse {
        let e = try RequestDecoding.export(try req.json(limits: limits))
        let seq = try engine.exportMemories(project: req.project, e.filter, boundAgent: req.principal?.boundAgent)
        let format: ExportFormat = e.format == "json" ? .json : .jsonl
        let includeEmbeddings = e.includeEmbeddings
        var h = HTTPFields()
        h[.contentType] = format.contentType
        if format == .jsonl {
            let safe = String(req.project.unicodeScalars.map { s -> Character in
                (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_") && s.isASCII ? Character(s) : "_"
            })
            h[.contentDisposition] = "attachment; filename=aegis_export_\(safe).jsonl"
        }
        let body = ResponseBody { writer in
            var w = ExportWriter(format: format, includeEmbeddings: includeEmbeddings)
            for m in seq {
                try w.write(m)
                if w.pendingByteCount >= 64 << 10 { try await writer.write(ByteBuffer(bytes: w.drain())) }
            }
            w.finish()
            let rest = w.drain()
            if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
            try await writer.finish(nil)
        }
        return RouteResponse(status: .ok, headers: h, body: body)
    }

    /// `POST /memories/import`: NDJSON, concatenated objects, a JSON array or
    /// `{"memories": [...]}` (framing by AegisExport's reader). Records go to the engine in
    /// batches; a bad record is reported with its index and reason and never stops the others.
    /// Query `skip_duplicates=false` imports duplicates of live memories as new rows.
    func importMemories(_ req: RouteRequest) async throws -> RouteResponse {
        var skip = true
        var qr = AegisRoutes.queryReader(req)
        skip = qr.defaultedBool("skip_duplicates", default: true)
        _ = try AegisRoutes.checked(qr, ())
        var reader = ImportReader()
        let events = reader.feed(req.body ?? []) + reader.finish()
        var summary = ImportSummary()
        var batch: [(index: Int, record: ImportRecord)] = []
        var total = 0
        let bound = req.principal?.boundAgent
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let outcomes = try await measured("add") {
                try await engine.importMemories(project: req.project, batch.map(\.record), skipDuplicates: skip, boundAgent: bound)
            }
            for (k, o) in outcomes.enumerated() {
                switch o {
                case .imported: summary.imported += 1
                case .skipped: summary.skipped += 1
                case .failed(let why): summary.record(ExportError(.invalidRecord, why, record: batch[k].index))
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
        for ev in events {
            switch ev {
            case .error(let err):
                total += 1
                summary.record(err)
            case .memory(let m, let index, _):
                total += 1
                batch.append((index, m.importRecord()))  // AegisExport's conversion; project always from the key
                if batch.count >= 256 { try await flush() }
            }
        }
        try await flush()
        return .json { w in
            w.beginObject()
            w.key("imported"); w.int(summary.imported)
            w.key("skipped"); w.int(summary.skipped)
            w.key("errors"); w.beginArray()
            for e in summary.errors {
                w.beginObject()
                w.key("record"); if let r = e.record { w.int(r) } else { w.null() }
                w.key("offset"); if let o = e.offset { w.int(o) } else { w.null() }
                w.key("field"); w.optionalString(e.field)
                w.key("code"); w.string(e.code.rawValue)
                w.key("message"); w.string(e.message)
                w.endObject()
            }
            w.endArray()
            w.key("error_count"); w.int(summary.errorCount)
            w.key("total"); w.int(total)
            w.endObject()
        }
    }
}
