/// ISO-8601 rendering and parsing for `Timestamp` (contract §1.2).
extension Timestamp {
    /// How the UTC offset is written.
    public enum ZoneStyle: Sendable { case z, offset }   // `Z` or `+00:00`
    /// How many fractional digits are written.
    public enum FractionStyle: Sendable {
        /// 6 digits when the microseconds are non-zero, none otherwise (FastAPI/Python `isoformat`).
        case auto
        case none, millis, micros
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` by default (typed response models, §1.2).
    /// `iso8601(zone: .offset)` gives the export style `…+00:00`. Always 0, 3 or 6 fraction digits.
    public func iso8601(zone: ZoneStyle = .z, fraction: FractionStyle = .auto) -> String {
        let secs = microseconds.floorDiv(1_000_000)
        let micros = Int(microseconds.floorMod(1_000_000))
        let days = secs.floorDiv(86_400)
        let sod = Int(secs.floorMod(86_400))
        let (y, m, d) = Timestamp.civil(fromDays: days)
        var out = ""
        out.reserveCapacity(32)
        if y < 0 { out += "-" }
        out += pad(Int(abs(y)), 4); out += "-"; out += pad(m, 2); out += "-"; out += pad(d, 2)
        out += "T"; out += pad(sod / 3600, 2); out += ":"; out += pad(sod / 60 % 60, 2); out += ":"; out += pad(sod % 60, 2)
        switch fraction {
        case .none: break
        case .millis: out += "."; out += pad(micros / 1000, 3)
        case .micros: out += "."; out += pad(micros, 6)
        case .auto: if micros != 0 { out += "."; out += pad(micros, 6) }
        }
        out += zone == .z ? "Z" : "+00:00"
        return out
    }

    /// Parses `YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|z|±HH:MM|±HHMM|±HH]`; no zone = UTC.
    /// A bare date `YYYY-MM-DD` means midnight UTC. Digits past microseconds are truncated.
    /// Returns nil for anything else (including out-of-range fields).
    public init?(iso8601 text: String) {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func eat(_ c: UInt8) -> Bool { if i < b.count && b[i] == c { i += 1; return true }; return false }
        guard let y = num(4), eat(UInt8(ascii: "-")), let mo = num(2), eat(UInt8(ascii: "-")), let d = num(2) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= Timestamp.daysIn(month: mo, year: y) else { return nil }
        var h = 0, mi = 0, s = 0, micro = 0, offset = 0
        if i < b.count {
            guard eat(UInt8(ascii: "T")) || eat(UInt8(ascii: "t")) || eat(UInt8(ascii: " ")) else { return nil }
            guard let hh = num(2), eat(UInt8(ascii: ":")), let mm = num(2) else { return nil }
            h = hh; mi = mm
            if eat(UInt8(ascii: ":")) {
                guard let ss = num(2) else { return nil }
                s = ss
                if eat(UInt8(ascii: ".")) || eat(UInt8(ascii: ",")) {
                    var digits = 0
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        if digits < 6 { micro = micro * 10 + Int(b[i] - 48) }
                        digits += 1; i += 1
                    }
                    guard digits >= 1 && digits <= 9 else { return nil }
                    if digits < 6 { for _ in digits..<6 { micro *= 10 } }
                }
            }
            guard h <= 23, mi <= 59, s <= 59 else { return nil }
            if i < b.count {
                if eat(UInt8(ascii: "Z")) || eat(UInt8(ascii: "z")) {
                } else {
                    let sign: Int
                    if eat(UInt8(ascii: "+")) { sign = 1 } else if eat(UInt8(ascii: "-")) { sign = -1 } else { return nil }
                    guard let oh = num(2), oh <= 23 else { return nil }
                    var om = 0
                    if eat(UInt8(ascii: ":")) { guard let v = num(2) else { return nil }; om = v }
                    else if i < b.count { guard let v = num(2) else { return nil }; om = v }
                    guard om <= 59 else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                }
            }
        }
        guard i == b.count else { return nil }
        let days = Timestamp.days(fromCivil: Int64(y), mo, d)
        let secs = days * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offset)
        self.init(microseconds: secs * 1_000_000 + Int64(micro))
    }

    // Howard Hinnant's civil-from-days / days-from-civil (proleptic Gregorian).
    static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
    static func days(fromCivil y0: Int64, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mm = Int64(m)
        let doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

@inline(__always) private func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
