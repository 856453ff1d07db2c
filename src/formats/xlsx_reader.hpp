// XLSX workbooks as records, through Debian's liborcus (0.17).
//
// Why the reader looks like this:
//  - liborcus needs the whole ZIP in memory and hands a sheet's cells to an import interface;
//    it reports formula results only after every sheet has been read. So the reader reads the
//    workbook once, keeps the chosen sheet's cells compactly (one text arena), and then yields
//    rows one by one through the same RecordReader interface as CSV. Memory is bounded by the
//    limits below, not by streaming.
//  - A hostile workbook is checked before liborcus sees it (CheckZipArchive): it must be a
//    ZIP whose central directory lies inside the file, every entry's declared sizes are bounded
//    (each part, the total, and the compression ratio of big parts: a zip bomb), every entry
//    is stored or deflated, not encrypted, and each worksheet part really inflates to the size
//    and CRC it declares (liborcus sizes its buffers from the declared size).
//  - Cells liborcus 0.17 cannot read (inline strings, written by streaming exporters such as
//    Apache POI's SXSSF) would silently come out empty: such a workbook is refused with a clear
//    error instead.
//
// A record is one sheet row: `line` is the sheet's row number (1-based, as Excel shows it),
// `raw` the row rendered as one CSV line (what quarantine keeps), `fields` the cell texts:
// shared and rich strings as written; numbers in their shortest round-trip form (an ID typed
// as a number comes out as 1.1010519491231e+17 and is flagged by validation, not repaired);
// cells with a date number format as YYYY-MM-DD (or YYYY-MM-DD HH:MM:SS); booleans TRUE/FALSE;
// formula cells as their cached result.
#pragma once

#include <memory>
#include <string_view>

#include "formats/reader.hpp"

namespace yishu::formats {

// Checks the ZIP container of an XLSX workbook held in `bytes` against `options`' limits.
// InvalidArgument naming the problem (not a ZIP, truncated, encrypted, a zip bomb, an entry
// over a limit, inline strings) or Ok.
Status CheckZipArchive(std::string_view bytes, const ReaderOptions& options);

// Reads the whole source (at most options.max_xlsx_bytes), checks it and opens the sheet named
// options.sheet (the first sheet when empty).
Result<std::unique_ptr<RecordReader>> OpenXlsxReader(std::unique_ptr<ByteSource> source,
                                                     const ReaderOptions& options);

}  // namespace yishu::formats
