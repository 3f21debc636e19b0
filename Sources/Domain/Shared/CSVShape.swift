import Foundation

/// The shape of a CSV file (records, fields per record, characters per field), measured in one
/// pass over its bytes against ``SheetLimits`` before CSV.swift parses it: CSV.swift builds
/// each record whole, so a record of eight million commas would cost eight million strings.
/// Quotes are followed as RFC 4180 has them (a quoted field may hold commas, line breaks and
/// doubled quotes); only counting happens here.
enum CSVShape {
    static func check(_ data: Data, limits: SheetLimits) throws {
        var budget = SheetBudget(limits)
        var column = 0
        var characters = 0
        var fieldBytes = 0
        var quoted = false
        var closedQuote = false
        var recordOpen = false

        func endField() throws {
            guard column < limits.columns else { throw limits.tooManyColumns }
            if fieldBytes > 0 { try budget.countCell(column: column, bytes: fieldBytes) }
            characters = 0
            fieldBytes = 0
            closedQuote = false
        }
        func take(_ byte: UInt8) throws {
            fieldBytes += 1
            if byte & 0xC0 != 0x80 {
                characters += 1
                guard characters <= limits.cellCharacters else { throw limits.cellTooLong }
            }
        }

        for byte in data {
            recordOpen = true
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    quoted = false
                    closedQuote = true
                } else {
                    try take(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                try endField()
                column += 1
            case UInt8(ascii: "\n"):
                try endField()
                try budget.countRow()
                column = 0
                recordOpen = false
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\""):
                if closedQuote {
                    // A doubled quote inside a quoted field.
                    quoted = true
                    try take(byte)
                } else if fieldBytes == 0 {
                    quoted = true
                } else {
                    try take(byte)
                }
            default:
                closedQuote = false
                try take(byte)
            }
        }
        if recordOpen {
            try endField()
            try budget.countRow()
        }
    }
}
