import XMLStream

// The parts of an XLSX workbook ``XLSXTable`` reads, each as a stream of elements: names are
// local (a prefix such as `x:` is dropped), and only what the table needs is kept.

/// `xl/workbook.xml`: the relationship id of the first sheet.
final class WorkbookReader: XMLStreamHandler {
    private(set) var firstSheetID: String?

    func start(_ name: String, attributes: [(name: String, value: String)]) throws {
        guard name == "sheet", firstSheetID == nil else { return }
        firstSheetID = attributes.first { $0.name == "id" }?.value
    }

    func end(_ name: String) throws {}
    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}

/// `xl/_rels/workbook.xml.rels`: the target of one relationship.
final class RelationshipsReader: XMLStreamHandler {
    let id: String
    private(set) var target: String?

    init(id: String) {
        self.id = id
    }

    func start(_ name: String, attributes: [(name: String, value: String)]) throws {
        guard name == "Relationship", target == nil, attributes.contains(where: { $0.name == "Id" && $0.value == id }) else { return }
        target = attributes.first { $0.name == "Target" }?.value
    }

    func end(_ name: String) throws {}
    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}

/// The text of string items (`si` in shared strings, `is` in a cell): their `t` elements, rich
/// text runs included, phonetic hints (`rPh`) left out.
struct StringItemText {
    private var depthInPhonetic = 0
    private var inText = false

    mutating func start(_ name: String) {
        if name == "rPh" { depthInPhonetic += 1 }
        if name == "t", depthInPhonetic == 0 { inText = true }
    }

    mutating func end(_ name: String) {
        if name == "rPh" { depthInPhonetic -= 1 }
        if name == "t" { inText = false }
    }

    var isCollecting: Bool { inText }
}

/// `xl/sharedStrings.xml`: the strings cells refer to by index, counted against the budget.
final class SharedStringsReader: XMLStreamHandler {
    private(set) var strings: [String] = []
    private(set) var budget: SheetBudget
    private var item: StringItemText?
    private var text: CellText

    init(budget: SheetBudget) {
        self.budget = budget
        text = CellText(limit: budget.limits.cellCharacters)
    }

    func start(_ name: String, attributes: [(name: String, value: String)]) throws {
        if name == "si" {
            item = StringItemText()
            text.reset()
        } else {
            item?.start(name)
        }
    }

    func end(_ name: String) throws {
        guard name == "si" else {
            item?.end(name)
            return
        }
        item = nil
        guard strings.count < budget.limits.cells else { throw budget.limits.tooManyCells }
        try budget.countText(text.bytes.count)
        strings.append(text.string)
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard item?.isCollecting == true else { return }
        try text.append(bytes, refusal: budget.limits.cellTooLong)
    }
}

/// A worksheet's `sheetData`: rows by number, each with its filled cells (shared strings
/// resolved, inline strings read, booleans as `true`/`false`, numbers as written). Nothing is
/// padded: a cell declared in column XFD costs what any other cell costs, or nothing when empty.
final class WorksheetReader: XMLStreamHandler {
    private let shared: [String]
    private(set) var budget: SheetBudget
    private(set) var rows: [SheetRow] = []

    private var row: SheetRow?
    private var cellColumn = 0
    private var cellType: String?
    private var inValue = false
    private var inline: StringItemText?
    private var text: CellText

    init(shared: [String], budget: SheetBudget) {
        self.shared = shared
        self.budget = budget
        text = CellText(limit: budget.limits.cellCharacters)
    }

    func start(_ name: String, attributes: [(name: String, value: String)]) throws {
        switch name {
        case "row":
            try budget.countRow()
            let number = attributes.first { $0.name == "r" }.flatMap { Int($0.value) } ?? (rows.last?.number ?? 0) + 1
            row = SheetRow(number: number, cells: [])
        case "c":
            let previous = row?.cells.last?.column ?? -1
            cellColumn = attributes.first { $0.name == "r" }.flatMap { XLSXTable.columnIndex($0.value) } ?? previous + 1
            cellType = attributes.first { $0.name == "t" }?.value
            text.reset()
        case "v":
            inValue = true
        case "is":
            inline = StringItemText()
        default:
            inline?.start(name)
        }
    }

    func end(_ name: String) throws {
        switch name {
        case "row":
            if let row, !row.cells.isEmpty { rows.append(row) }
            row = nil
        case "c":
            try closeCell()
        case "v":
            inValue = false
        case "is":
            inline = nil
        default:
            inline?.end(name)
        }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard inValue || inline?.isCollecting == true else { return }
        try text.append(bytes, refusal: budget.limits.cellTooLong)
    }

    private func closeCell() throws {
        let raw = text.string
        guard !raw.isEmpty else { return }
        let value: String
        switch cellType {
        case "s": value = Int(raw).flatMap { shared.indices.contains($0) ? shared[$0] : nil } ?? ""
        case "b": value = raw == "1" ? "true" : "false"
        default: value = raw
        }
        guard !value.isEmpty, row != nil else { return }
        try budget.countCell(column: cellColumn, value: value)
        row?.cells.append((cellColumn, value))
    }
}
