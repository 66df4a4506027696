#include "assets.hpp"

namespace destkit::cli::serve {
namespace {

constexpr std::string_view kPlaceholderPage = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>destkit serve</title></head>
<body>
<h1>destkit serve</h1>
<p>The tester page is not built into this binary. The API is at <a href="/v1/destinations">/v1/destinations</a>.</p>
</body>
</html>
)";

constexpr Asset kAssets[] = {
    {"/", "text/html; charset=utf-8", kPlaceholderPage},
};

}  // namespace

std::span<const Asset> embedded_assets() { return kAssets; }

}  // namespace destkit::cli::serve
