// jifen-pdf: draws the PDFs `jifen` asks for (statements, passbooks, notice sheets). It reads one PDFRequest as JSON
// on standard input and writes the PDF to the path given as its argument; progress goes to standard error when
// that is a terminal. `jifen` runs it from beside itself; people need not run it by hand.
import Foundation
import JifenPDF
import JifenStatements

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("jifen-pdf: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, let path = arguments.first else { fail("give the PDF's path; the request comes on standard input.") }
let input = FileHandle.standardInput.readDataToEndOfFile()
let request: PDFRequest
do {
    request = try JSONDecoder().decode(PDFRequest.self, from: input)
} catch {
    fail("the request on standard input is not one jifen wrote (\(error)).")
}
let terminal = isatty(STDERR_FILENO) == 1
do {
    switch request.content {
    case .statements(let statements):
        try PDFStatement(statements, language: request.language, large: request.large ?? false).write(to: path, progress: { done, total in
            guard terminal, total > 1 else { return }
            FileHandle.standardError.write(Data("\r\(request.language == .zh ? "排版" : "typesetting") \(done)/\(total) (\(done * 100 / total)%)".utf8))
            if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        })
    case .text(let text):
        try TextPDF(text, title: request.title).write(to: path)
    case .cards(let cards):
        try CardPDF(cards, language: request.language, title: request.title).write(to: path)
    case .tallyForm(let form):
        try TallyFormPDF(form, language: request.language).write(to: path)
    }
} catch {
    fail("\(error)")
}
