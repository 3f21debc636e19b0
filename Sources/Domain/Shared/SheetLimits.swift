/// What a sheet read from an upload (CSV, or an XLSX workbook's first worksheet) may hold,
/// counted while it is read, whatever the file declares: a file past a limit is refused with a
/// 422 naming it before the rest is read.
public struct SheetLimits: Sendable, Equatable {
    /// Rows, empty ones included (the header too).
    public var rows: Int
    /// Columns a filled cell may sit in (`A` to the 256th, `IV`).
    public var columns = 256
    /// Characters in one cell (a spreadsheet's own limit).
    public var cellCharacters = 32_767
    /// Filled cells in the whole sheet.
    public var cells = 500_000
    /// UTF-8 bytes of text kept from the sheet (cells and shared strings).
    public var textBytes = 16 * 1_048_576
    /// Bytes one part of a workbook may inflate to, counted while inflating.
    public var inflatedBytes = 64 * 1_048_576

    public init(rows: Int) {
        self.rows = rows
    }

    /// The limits as the README states them, for messages.
    func refusal(_ code: String, _ message: String) -> DomainError {
        .validation([FieldError(field: "file", code: code, message: message)])
    }

    var tooManyRows: DomainError { refusal("too_many_rows", "A sheet imported here holds at most \(rows) rows.") }
    var tooManyColumns: DomainError {
        refusal("too_many_columns", "A sheet's filled cells are in its first \(columns) columns (A to \(XLSXTable.columnName(columns - 1))).")
    }
    var cellTooLong: DomainError { refusal("cell_too_long", "A cell holds at most \(cellCharacters) characters.") }
    var tooManyCells: DomainError { refusal("too_many_cells", "A sheet holds at most \(cells) filled cells.") }
    var tooMuchText: DomainError { refusal("too_much_text", "A sheet holds at most \(textBytes / 1_048_576) MiB of text.") }
    var inflatesTooFar: DomainError {
        refusal("inflates_too_far", "A part of the workbook unpacks to more than \(inflatedBytes / 1_048_576) MiB.")
    }
}

/// One row of a sheet: its number in the file (1 for the first) and its filled cells by
/// zero-based column, in column order. Empty cells take no room.
public struct SheetRow: Sendable, Equatable {
    public var number: Int
    public var cells: [(column: Int, value: String)]

    public init(number: Int, cells: [(column: Int, value: String)]) {
        self.number = number
        self.cells = cells
    }

    /// The text of the cell in `column`, empty when the cell is.
    public subscript(column: Int) -> String {
        cells.first { $0.column == column }?.value ?? ""
    }

    public static func == (lhs: SheetRow, rhs: SheetRow) -> Bool {
        lhs.number == rhs.number && lhs.cells.elementsEqual(rhs.cells) { $0.column == $1.column && $0.value == $1.value }
    }
}

/// Counts what a sheet holds against its ``SheetLimits`` as cells arrive.
struct SheetBudget {
    let limits: SheetLimits
    private(set) var rows = 0
    private(set) var cells = 0
    private(set) var textBytes = 0

    init(_ limits: SheetLimits) {
        self.limits = limits
    }

    mutating func countRow() throws {
        rows += 1
        guard rows <= limits.rows else { throw limits.tooManyRows }
    }

    /// A filled cell of `value` in `column`.
    mutating func countCell(column: Int, value: String) throws {
        try countCell(column: column, bytes: value.utf8.count)
    }

    /// A filled cell of `bytes` UTF-8 bytes in `column`.
    mutating func countCell(column: Int, bytes: Int) throws {
        guard column < limits.columns else { throw limits.tooManyColumns }
        cells += 1
        guard cells <= limits.cells else { throw limits.tooManyCells }
        try countText(bytes)
    }

    mutating func countText(_ bytes: Int) throws {
        textBytes += bytes
        guard textBytes <= limits.textBytes else { throw limits.tooMuchText }
    }
}

/// A cell's text as it streams in, refused past ``SheetLimits/cellCharacters``.
struct CellText {
    private(set) var bytes: [UInt8] = []
    private var characters = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ piece: UnsafeBufferPointer<UInt8>, refusal: @autoclosure () -> DomainError) throws {
        // Characters are counted as UTF-8 lead bytes.
        for byte in piece where byte & 0xC0 != 0x80 { characters += 1 }
        guard characters <= limit else { throw refusal() }
        bytes.append(contentsOf: piece)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        characters = 0
    }
}
