// memory_library — loads a library from exactly the bytes the host verified.
//
// The bytes go into a memfd sealed against any change (F_SEAL_WRITE, F_SEAL_SHRINK,
// F_SEAL_GROW, F_SEAL_SEAL) and the dynamic loader opens /proc/self/fd/N: whatever happens to
// the file on disk meanwhile, the code that runs is the code that was checked. The memfd stays
// open for the life of the process, so its name never comes back for another library (the
// loader hands out the library it already has for a name it has seen). Identical bytes are
// loaded once; nothing is ever unloaded.
//
// To the loader the library lives in /proc/self/fd, so $ORIGIN in its RUNPATH does not name
// the folder of the file on disk.
#pragma once

#define BOOST_DLL_USE_STD_FS 1
#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <string>
#include <variant>

namespace destkit::host {

// A memfd holding `bytes`, sealed against any change, close-on-exec; or -1 with `problem` set.
int seal(const std::string& bytes, const std::filesystem::path& file, std::string& problem);

// Seals `bytes`, then loads the sealed copy (rtld_now | rtld_local), its
// constructors running as plugin code (abi/plugin_code.hpp). Messages name `file`, the path
// the bytes were read from, never the memfd.
std::variant<const boost::dll::shared_library*, std::string> load_library_from_memory(
    const std::string& bytes, const std::filesystem::path& file);

}  // namespace destkit::host
