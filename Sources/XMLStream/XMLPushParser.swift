internal import CLibXML2

/// What a streamed XML document reports, element by element, as it is read.
///
/// Each method may throw to stop the parse: ``XMLPushParser/feed(_:)`` or
/// ``XMLPushParser/finish()`` then rethrows that error.
public protocol XMLStreamHandler: AnyObject {
    /// An element starts: its local name (without prefix) and its attributes by local name.
    func start(_ name: String, attributes: [(name: String, value: String)]) throws
    /// An element ends.
    func end(_ name: String) throws
    /// Character data (text or CDATA), in one or more pieces per text node.
    func text(_ bytes: UnsafeBufferPointer<UInt8>) throws
}

/// Why a document could not be read.
public enum XMLStreamError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not well-formed XML (libxml2's message).
    case malformed(String)
    /// The document declares a DTD, which the formats read here never carry (entities could
    /// otherwise expand a small file into a large one).
    case documentTypeDeclared

    public var description: String {
        switch self {
        case .malformed(let message): "not well-formed XML (\(message))"
        case .documentTypeDeclared: "a document type declaration is not accepted"
        }
    }
}

/// libxml2's push parser with SAX2 callbacks: bytes go in as they arrive (from an inflating ZIP
/// entry, say) and elements come out to a ``XMLStreamHandler``, so a document is never held
/// whole in memory. No network access, no DTD, no entity substitution.
///
/// One parser reads one document, on one thread at a time (it is not `Sendable`).
public final class XMLPushParser {
    private let handler: any XMLStreamHandler
    private var context: xmlParserCtxtPtr?
    private var failure: (any Error)?
    private var lastMessage = ""

    public init(handler: any XMLStreamHandler) {
        self.handler = handler
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    /// Reads the next piece of the document.
    ///
    /// - Throws: the handler's error, or ``XMLStreamError``.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        try parse(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), count: bytes.count, last: false)
    }

    /// Ends the document.
    ///
    /// - Throws: the handler's error, or ``XMLStreamError`` (a document cut short among them).
    public func finish() throws {
        try parse(nil, count: 0, last: true)
    }

    private func parse(_ bytes: UnsafePointer<CChar>?, count: Int, last: Bool) throws {
        if let failure { throw failure }
        let context = try startedContext()
        // Pieces above Int32 are fed in parts.
        var offset = 0
        repeat {
            let length = min(count - offset, Int(Int32.max))
            let code = xmlParseChunk(context, bytes.map { $0 + offset }, Int32(length), last && offset + length == count ? 1 : 0)
            if let failure { throw failure }
            // The parser's error number: zero while the document is well formed so far.
            if code != 0 {
                throw XMLStreamError.malformed(lastMessage.isEmpty ? "error \(code)" : lastMessage)
            }
            offset += length
        } while offset < count
    }

    private func startedContext() throws -> xmlParserCtxtPtr {
        if let context { return context }
        var sax = xmlSAXHandler()
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = { user, localName, _, _, _, _, attributeCount, _, attributes in
            guard let user, let localName else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(user).takeUnretainedValue()
            // Attributes come as (local name, prefix, URI, value start, value end) quintuples.
            var pairs: [(name: String, value: String)] = []
            if let attributes {
                pairs.reserveCapacity(Int(attributeCount))
                for index in 0..<Int(attributeCount) {
                    guard let name = attributes[index * 5], let start = attributes[index * 5 + 3], let end = attributes[index * 5 + 4]
                    else { continue }
                    let value = String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self)
                    pairs.append((String(cString: name), value))
                }
            }
            parser.deliver { try parser.handler.start(String(cString: localName), attributes: pairs) }
        }
        sax.endElementNs = { user, localName, _, _ in
            guard let user, let localName else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(user).takeUnretainedValue()
            parser.deliver { try parser.handler.end(String(cString: localName)) }
        }
        let characters: charactersSAXFunc = { user, bytes, length in
            guard let user, let bytes, length > 0 else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(user).takeUnretainedValue()
            parser.deliver { try parser.handler.text(UnsafeBufferPointer(start: bytes, count: Int(length))) }
        }
        sax.characters = characters
        sax.cdataBlock = characters
        sax.internalSubset = { user, _, _, _ in
            guard let user else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(user).takeUnretainedValue()
            parser.deliver { throw XMLStreamError.documentTypeDeclared }
        }
        // Errors are kept for the exception rather than printed on standard error.
        sax.serror = { user, error in
            guard let user, let message = error?.pointee.message else { return }
            let parser = Unmanaged<XMLPushParser>.fromOpaque(user).takeUnretainedValue()
            parser.lastMessage = String(cString: message).trimmingTrailingNewline()
        }
        guard let context = xmlCreatePushParserCtxt(&sax, Unmanaged.passUnretained(self).toOpaque(), nil, 0, nil) else {
            throw XMLStreamError.malformed("the parser could not be created")
        }
        xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
        self.context = context
        return context
    }

    /// Runs a handler call unless the parse has failed already; a thrown error stops the parser.
    private func deliver(_ call: () throws -> Void) {
        guard failure == nil else { return }
        do {
            try call()
        } catch {
            failure = error
            if let context { xmlStopParser(context) }
        }
    }
}

extension String {
    fileprivate func trimmingTrailingNewline() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
