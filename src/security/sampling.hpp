// Where classification gets its sample values. A small seam so the collection module's tables
// plug in without the classifier knowing about files or ingest:
//   - TableSampleSource reads the resource's table (r_<lowercase code>), opening sealed
//     values with the KeyRing when one is given;
//   - InboxSampleSource reads the newest delivered file for the resource under an inbox
//     directory (DATA_DIR/demo-district/inbox/<DEPT>/, recognised by its header of field names
//     or Chinese labels), read as collection reads it (src/formats: CSV, JSON Lines or XLSX, in
//     UTF-8 or GBK).
//   - SampleResource tries the table, then the inbox.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "catalogue/model.hpp"
#include "common/status.hpp"
#include "security/classification.hpp"
#include "security/field_protection.hpp"
#include "store/store.hpp"

namespace yishu::security {

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Up to max_rows rows' values per field; kNotFound when this source has nothing for it.
  virtual Result<SampleValues> Sample(const catalogue::Resource& r, int max_rows) = 0;
};

// The table of a resource's records, r_<lower-case code>: ingest creates it, readers find it.
std::string ResourceTableName(std::string_view code);

std::unique_ptr<SampleSource> MakeTableSampleSource(store::Store& store, KeyRing* keys);
std::unique_ptr<SampleSource> MakeInboxSampleSource(std::filesystem::path inbox_dir);

Result<SampleValues> SampleResource(store::Store& store, KeyRing* keys,
                                    const std::filesystem::path& data_dir,
                                    const catalogue::Resource& r, int max_rows = 500);

}  // namespace yishu::security
