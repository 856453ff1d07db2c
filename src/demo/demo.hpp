// The demo district (`yishu demo`): a synthetic county modelled on 柯桥区, Shaoxing.
//
// GenerateDistrict writes, under out_dir:
//   catalogue.yaml            the departments, source systems and resources (catalogue import)
//   inbox/<DEPT>/<file>.csv   each department's delivery, in its own encoding, header and faults
//   truth/                    what really is: persons.csv, enterprises.csv, links.csv (which
//                             delivered row is about whom), faults.csv (every injected fault)
// Output is a pure function of (seed, scale): the same inputs give byte-identical files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace yishu::demo {

struct DemoOptions {
  // 1.0 = about 1.1 million persons and 300,000 enterprises; 0.01 for tests.
  double scale = 1.0;
  uint64_t seed = 20261129;
  std::filesystem::path out_dir;
  // Holds admin-divisions/keqiao-330603-streets.csv (township names; required when set) and
  // admin-divisions/gbt2260-history.csv (optional: checks the ID region codes used). Empty:
  // the built-in township table is used.
  std::filesystem::path reference_dir;
  // Called now and then with the stage ("persons", "enterprises", a resource code, "truth")
  // and the fraction of it done (0..1).
  std::function<void(std::string_view stage, double fraction)> progress;
};

struct DeliveredFile {
  std::filesystem::path path;  // absolute
  std::string department;      // department code (GA, MZ, ...)
  std::string resource;        // resource code (GA_HOUSEHOLD, ...)
  std::string encoding;        // "UTF-8" or "GBK"
  int64_t rows = 0;            // data rows (duplicated rows included, header not)
  int64_t bytes = 0;
};

struct DemoSummary {
  int64_t persons = 0;
  int64_t enterprises = 0;
  std::vector<DeliveredFile> files;
  std::filesystem::path catalogue_file;
  std::filesystem::path truth_dir;
  int64_t faults = 0;  // rows of truth/faults.csv
  int64_t links = 0;   // rows of truth/links.csv
};

Result<DemoSummary> GenerateDistrict(const DemoOptions& options);

}  // namespace yishu::demo
