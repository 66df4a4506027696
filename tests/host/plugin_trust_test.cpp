// Where plugins may come from: ssh-style permission checks on the real path, SHA-256 pins,
// Ed25519 signatures and the libraries a verified plugin may pull in, all applied before any
// code of the file runs.
#include "environment.hpp"

#include <destkit/host/config.hpp>
#include "plugin/signatures.hpp"
#include "util/sha256.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fstream>

using namespace destkit::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// A fresh directory holding a copy of test-probe.
fs::path directory_with_probe(const std::string& name) {
  fs::path dir = new_directory(name);
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", dir / "destkit-test-probe.so");
  return dir;
}

// How `destkit plugins` judged `file` in `dir`: "loaded", or the reason it was refused.
std::string verdict_on(const fs::path& dir, const std::string& file, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"plugins", "--json", "--plugin-path", dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessResult r = run_destkit(args);
  json::value listing = json::parse(r.out);
  for (const auto& p : listing.at("plugins").as_array()) {
    if (fs::path(std::string(p.at("path").as_string())) == dir / file) return "loaded";
  }
  for (const auto& p : listing.at("rejected").as_array()) {
    if (fs::path(std::string(p.at("path").as_string())) == dir / file) return std::string(p.at("reason").as_string());
  }
  return "not found";
}

std::string verdict_on_probe(const fs::path& dir, std::vector<std::string> extra = {}) {
  return verdict_on(dir, "destkit-test-probe.so", std::move(extra));
}

fs::path write_config(const std::string& text) {
  fs::path path = new_directory("config") / "host.json";
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a plugin file others can write is refused unless permissions are not checked") {
  fs::path dir = directory_with_probe("writable-file");
  fs::permissions(dir / "destkit-test-probe.so", fs::perms::all);
  CHECK(verdict_on_probe(dir) ==
        "the file can be written by any user (mode 0777); refused (--insecure-plugin-permissions loads it anyway)");
  CHECK(verdict_on_probe(dir, {"--insecure-plugin-permissions"}) == "loaded");
}

TEST_CASE("a plugin in a directory others can write is refused") {
  fs::path dir = directory_with_probe("writable-directory");
  fs::permissions(dir, fs::perms::all);
  CHECK(verdict_on_probe(dir) == "its directory " + dir.string() +
                                     " can be written by any user (mode 0777); refused "
                                     "(--insecure-plugin-permissions loads it anyway)");
}

TEST_CASE("a symbolic link to a plugin in a directory others can write is refused") {
  fs::path open_dir = directory_with_probe("open-target");
  fs::permissions(open_dir, fs::perms::all);
  fs::path target = fs::canonical(open_dir / "destkit-test-probe.so");
  fs::path dir = new_directory("link-to-open-target");
  fs::create_symlink(open_dir / "destkit-test-probe.so", dir / "destkit-test-probe.so");
  CHECK(verdict_on_probe(dir) == "resolves to " + target.string() + "; its directory " + target.parent_path().string() +
                                     " can be written by any user (mode 0777); refused "
                                     "(--insecure-plugin-permissions loads it anyway)");
}

TEST_CASE("a plugin in a symbolic link to a directory others can write is refused") {
  fs::path open_dir = directory_with_probe("open-directory-target");
  fs::permissions(open_dir, fs::perms::all);
  fs::path link = new_directory("link-to-open-directory") / "plugins";
  fs::create_directory_symlink(open_dir, link);
  fs::path target = fs::canonical(open_dir) / "destkit-test-probe.so";
  CHECK(verdict_on_probe(link) == "resolves to " + target.string() + "; its directory " + target.parent_path().string() +
                                      " can be written by any user (mode 0777); refused "
                                      "(--insecure-plugin-permissions loads it anyway)");
}

TEST_CASE("a plugin below a directory others can write is refused, however far up that directory is") {
  fs::path open_dir = new_directory("open-above");
  fs::path dir = open_dir / "a" / "b";
  fs::create_directories(dir);
  fs::copy_file(kTestPluginDir / "destkit-test-probe.so", dir / "destkit-test-probe.so");
  fs::permissions(open_dir, fs::perms::all);
  CHECK(verdict_on_probe(dir) == "the directory " + open_dir.string() +
                                     " above it can be written by any user (mode 0777); refused "
                                     "(--insecure-plugin-permissions loads it anyway)");
  fs::permissions(open_dir, fs::perms::sticky_bit, fs::perm_options::add);
  CHECK(verdict_on_probe(dir) == "loaded");
}

TEST_CASE("a plugin reached through a symbolic link in a directory others can write is refused") {
  fs::path dir = directory_with_probe("link-target");
  fs::path open_dir = new_directory("link-open");
  fs::create_symlink(dir / "destkit-test-probe.so", open_dir / "destkit-test-probe.so");
  REQUIRE(verdict_on_probe(open_dir) == "loaded");
  fs::permissions(open_dir, fs::perms::all);
  CHECK(verdict_on_probe(open_dir) == "resolves to " + (dir / "destkit-test-probe.so").string() +
                                          "; the symbolic link " + (open_dir / "destkit-test-probe.so").string() +
                                          " on its way is in a directory another user can change (its " + "directory " +
                                          open_dir.string() + " can be written by any user (mode 0777)); refused " +
                                          "(--insecure-plugin-permissions loads it anyway)");
}

// Only root can give a file to another user. Hidden from the default run: ctest runs it
// through run_as_root.sh, which reports it as skipped for any other user.
TEST_CASE("a plugin file owned by another user is refused", "[.][root]") {
  REQUIRE(::geteuid() == 0);
  fs::path dir = directory_with_probe("foreign-owner");
  REQUIRE(::chown((dir / "destkit-test-probe.so").c_str(), 65534, 65534) == 0);
  CHECK(verdict_on_probe(dir) ==
        "the file belongs to user 65534, neither root nor the user running destkit; refused "
        "(--insecure-plugin-permissions loads it anyway)");
}

// A link's owner can replace it even in a sticky directory such as /tmp.
TEST_CASE("a plugin reached through another user's symbolic link in a sticky directory is refused", "[.][root]") {
  REQUIRE(::geteuid() == 0);
  fs::path dir = directory_with_probe("sticky-link-target");
  fs::path sticky = new_directory("sticky-links");
  fs::permissions(sticky, fs::perms::all | fs::perms::sticky_bit);
  fs::path link = sticky / "destkit-test-probe.so";
  fs::create_symlink(dir / "destkit-test-probe.so", link);
  REQUIRE(verdict_on_probe(sticky) == "loaded");
  REQUIRE(::lchown(link.c_str(), 65534, 65534) == 0);
  CHECK(verdict_on_probe(sticky) == "resolves to " + (dir / "destkit-test-probe.so").string() + "; the symbolic link " +
                                        link.string() +
                                        " on its way belongs to user 65534, neither root nor the user running "
                                        "destkit; refused (--insecure-plugin-permissions loads it anyway)");
}

TEST_CASE("plugins pinned by SHA-256 load only with the pinned bytes") {
  fs::path dir = directory_with_probe("pinned");
  std::string digest = destkit::host::sha256_hex(read_file(dir / "destkit-test-probe.so"));
  std::string wrong(64, '0');
  CHECK(verdict_on_probe(dir, {"--config", write_config(R"({"plugins":{"sha256":{"destkit-test-probe.so":")" + digest + "\"}}}").string()}) ==
        "loaded");
  CHECK(verdict_on_probe(dir, {"--config", write_config(R"({"plugins":{"sha256":{"destkit-test-probe.so":")" + wrong + "\"}}}").string()}) ==
        "its SHA-256 is " + digest + ", not the pinned " + wrong);
  CHECK(verdict_on_probe(dir, {"--config", write_config(R"({"plugins":{"requirePins":true}})").string()}) ==
        "is not pinned: the configuration requires a SHA-256 pin for every plugin "
        "(plugins.sha256.\"destkit-test-probe.so\")");
}

TEST_CASE("sign and verify, and a host that requires signatures loads only well-signed plugins") {
  auto [partner_key, partner_pub] = ed25519_key_pair("partner");
  auto [other_key, other_pub] = ed25519_key_pair("other");
  fs::path dir = directory_with_probe("signed");
  fs::path plugin = dir / "destkit-test-probe.so";
  fs::path config = write_config(R"({"plugins":{"requireSignatures":true,"trustedKeys":[{"file":")" +
                                 partner_pub.string() + "\"}]}}");

  CHECK(verdict_on_probe(dir, {"--config", config.string()}) ==
        "has no signature (destkit-test-probe.so.sig is missing) and signatures are required");

  ProcessResult signed_by_other = run_destkit({"sign", plugin.string(), "--key", other_key.string()});
  CHECK(signed_by_other.exit_code == 0);
  CHECK(verdict_on_probe(dir, {"--config", config.string()}) == "its signature does not verify with any trusted key");
  CHECK(run_destkit({"verify", plugin.string(), "--public-key", partner_pub.string()}).exit_code == 1);

  ProcessResult signed_by_partner = run_destkit({"sign", plugin.string(), "--key", partner_key.string()});
  CHECK(signed_by_partner.out.find("Signed " + plugin.string() + ": " + plugin.string() + ".sig") == 0);
  CHECK(verdict_on_probe(dir, {"--config", config.string()}) == "loaded");
  ProcessResult verified = run_destkit({"verify", plugin.string(), "--config", config.string()});
  CHECK(verified.out == plugin.string() + ": the signature is valid (trusted key 1)\n");
  CHECK(verified.exit_code == 0);

  CHECK(signed_by_partner.err.find("warning") == std::string::npos);

  fs::permissions(partner_key, fs::perms(0644));  // a private key others can read signs, with a warning
  ProcessResult readable_key = run_destkit({"sign", plugin.string(), "--key", partner_key.string()});
  CHECK(readable_key.exit_code == 0);
  CHECK(readable_key.err == "destkit: warning: group or others can use the private key " + partner_key.string() +
                                " (mode 0644): whoever reads it can sign as you; make it readable by its owner only "
                                "(chmod 600 " +
                                partner_key.string() + ")\n");

  std::ofstream(plugin, std::ios::app) << "tampered";
  CHECK(verdict_on_probe(dir, {"--config", config.string()}) == "its signature does not verify with any trusted key");
  CHECK(read_file(partner_key).find("PRIVATE KEY") != std::string::npos);
}

TEST_CASE("sign replaces a symbolic link planted at FILE.sig instead of writing through it") {
  auto [key, pub] = ed25519_key_pair("planted");
  fs::path dir = directory_with_probe("planted-link");
  fs::path plugin = dir / "destkit-test-probe.so";
  fs::path victim = dir / "victim";
  std::ofstream(victim) << "keep me";
  fs::create_symlink(victim, dir / "destkit-test-probe.so.sig");
  ProcessResult signed_it = run_destkit({"sign", plugin.string(), "--key", key.string()});
  CHECK(signed_it.exit_code == 0);
  CHECK(read_file(victim) == "keep me");
  CHECK_FALSE(fs::is_symlink(dir / "destkit-test-probe.so.sig"));
  CHECK(run_destkit({"verify", plugin.string(), "--public-key", pub.string()}).exit_code == 0);

  fs::path forged = dir / "a\nSigned forged\x1b[31m.so";
  fs::copy_file(plugin, forged);
  ProcessResult named = run_destkit({"sign", forged.string(), "--key", key.string()});
  CHECK(named.exit_code == 0);
  CHECK(named.out.find('\n') == named.out.size() - 1);  // one line: the name's line break is escaped
  CHECK(named.out.find('\x1b') == std::string::npos);
  ProcessResult device = run_destkit({"sign", "/dev/null", "--key", key.string()});
  CHECK(device.exit_code == 2);
  CHECK_THAT(device.err, Catch::Contains("/dev/null is not a regular file"));
  CHECK_FALSE(fs::exists("/dev/null.sig"));
}

namespace {

// Why `plugin` (in its own directory) is refused once it is signed and signatures are required,
// and once it is pinned; the two must agree.
std::string refusal_when_signed_or_pinned(const fs::path& plugin) {
  auto [key, pub] = ed25519_key_pair("partner");
  fs::path dir = plugin.parent_path();
  std::string name = plugin.filename().string();
  REQUIRE(run_destkit({"sign", plugin.string(), "--key", key.string()}).exit_code == 0);
  fs::path signatures = write_config(R"({"plugins":{"requireSignatures":true,"trustedKeys":[{"file":")" +
                                     pub.string() + "\"}]}}");
  std::string signed_refusal = verdict_on(dir, name, {"--config", signatures.string()});
  std::string digest = destkit::host::sha256_hex(read_file(plugin));
  fs::path pins = write_config(R"({"plugins":{"sha256":{")" + name + R"(":")" + digest + "\"}}}");
  CHECK(verdict_on(dir, name, {"--config", pins.string()}) == signed_refusal);
  return signed_refusal;
}

const std::string kOnlySystemLibraries =
    " reaches outside the system library directories; a plugin that must be signed or pinned may only need "
    "libraries from the system library directories";

}  // namespace

TEST_CASE("a signed or pinned plugin that pulls a library from its own folder through RUNPATH $ORIGIN is refused") {
  fs::path dir = new_directory("runpath-origin");
  fs::path plugin = dir / "destkit-needs-neighbour.so";
  fs::copy_file(kHostilePluginDir / "destkit-variant-needs-neighbour.so", plugin);
  fs::copy_file(kHostilePluginDir / "libdestkit-test-neighbour.so", dir / "libdestkit-test-neighbour.so");
  CHECK(refusal_when_signed_or_pinned(plugin) == "its RUNPATH/RPATH \"$ORIGIN\"" + kOnlySystemLibraries);
}

TEST_CASE("a signed or pinned plugin whose RUNPATH names a folder outside the system's is refused, though it would load") {
  fs::path dir = new_directory("runpath-folder");
  fs::path plugin = dir / "destkit-needs-library.so";
  fs::copy_file(kHostilePluginDir / "destkit-variant-needs-library-by-path.so", plugin);
  // Unverified, it loads: its RUNPATH finds the library nobody signed.
  REQUIRE(verdict_on(dir, plugin.filename().string()) == "loaded");
  CHECK(refusal_when_signed_or_pinned(plugin) ==
        "its RUNPATH/RPATH \"" + kHostilePluginDir.string() + "\"" + kOnlySystemLibraries);
}

TEST_CASE("a plugin that finds its library through $ORIGIN is told why the library was not found") {
  fs::path dir = new_directory("origin-unverified");
  fs::copy_file(kHostilePluginDir / "destkit-variant-needs-neighbour.so", dir / "destkit-needs-neighbour.so");
  fs::copy_file(kHostilePluginDir / "libdestkit-test-neighbour.so", dir / "libdestkit-test-neighbour.so");
  std::string reason = verdict_on(dir, "destkit-needs-neighbour.so");
  CHECK(reason.find("libdestkit-test-neighbour.so: cannot open shared object file") != std::string::npos);
  CHECK(reason.ends_with("; its RUNPATH/RPATH uses $ORIGIN, which names no folder here: the host loads plugins from "
                         "a copy in memory"));
}

TEST_CASE("a signature file that is a FIFO is refused without hanging") {
  auto [key, pub] = ed25519_key_pair("partner");
  fs::path dir = directory_with_probe("fifo-signature");
  REQUIRE(::mkfifo((dir / "destkit-test-probe.so.sig").c_str(), 0600) == 0);
  fs::path config = write_config(R"({"plugins":{"requireSignatures":true,"trustedKeys":[{"file":")" + pub.string() +
                                 "\"}]}}");
  CHECK(verdict_on_probe(dir, {"--config", config.string()}) ==
        "its signature destkit-test-probe.so.sig is a FIFO, not a regular file: refused without opening it");
}

namespace {

// `pub` (a PUBLIC KEY PEM) written again as a block whose headers say it is encrypted with
// `pass_phrase`, as OpenSSL's PEM writer makes one.
std::string encrypted_public_key(const std::string& pub, const std::string& pass_phrase) {
  BIO* in = BIO_new_mem_buf(pub.data(), static_cast<int>(pub.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(in, nullptr, nullptr, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  auto* phrase = reinterpret_cast<unsigned char*>(const_cast<char*>(pass_phrase.data()));
  int written = PEM_ASN1_write_bio(reinterpret_cast<i2d_of_void*>(i2d_PUBKEY), PEM_STRING_PUBLIC, out, key,
                                   EVP_aes_128_cbc(), phrase, static_cast<int>(pass_phrase.size()), nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(out, &data);
  std::string text = written == 1 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
  BIO_free(out);
  EVP_PKEY_free(key);
  BIO_free(in);
  return text;
}

}  // namespace

TEST_CASE("a trusted key is refused when its text holds anything besides the key") {
  auto [key, pub] = ed25519_key_pair("appended");
  std::string pem = read_file(pub);
  auto error_of = [](const std::string& text) {
    json::object config{{"plugins", json::object{{"trustedKeys", json::array{json::value(text)}}}}};
    return destkit::host::parse_host_config(json::serialize(config), "host.json").status().message();
  };
  CHECK(error_of(pem).empty());
  CHECK(error_of("\n" + pem + "\n\n").empty());
  std::string indented_crlf;  // as a key pasted into an indented text from another system
  for (std::size_t at = 0, end; at < pem.size(); at = end + 1) {
    end = pem.find('\n', at);
    indented_crlf += "    " + pem.substr(at, end - at) + " \r\n";
  }
  CHECK(error_of(indented_crlf).empty());

  auto [other_key, other_pub] = ed25519_key_pair("appender");
  const std::string other = read_file(other_pub);
  const std::string refused =
      "host.json: plugins.trustedKeys[0]: is not an Ed25519 public key in PEM form, alone in its text";
  CHECK(error_of("From: someone\n" + other) == refused);
  CHECK(error_of(pem + "appended later\n") == refused);
  CHECK(error_of(pem + other) == refused);
  // Inside the block: bytes after the key's own (another key), and headers.
  auto base64_of = [](const std::string& block) {
    std::size_t from = block.find('\n') + 1;
    return block.substr(from, block.find("-----END") - from);
  };
  CHECK(error_of("-----BEGIN PUBLIC KEY-----\n" + base64_of(pem) + base64_of(other) + "-----END PUBLIC KEY-----\n") ==
        refused);
  std::string encrypted = encrypted_public_key(pem, "pw");
  REQUIRE(encrypted.find("Proc-Type: 4,ENCRYPTED") != std::string::npos);
  CHECK(error_of(encrypted) == refused);
}

TEST_CASE("a trusted key whose block says it is encrypted is refused without asking for a pass phrase") {
  auto [key, pub] = ed25519_key_pair("encrypted");
  fs::path dir = directory_with_probe("encrypted-key");
  fs::path plugin = dir / "destkit-test-probe.so";
  REQUIRE(run_destkit({"sign", plugin.string(), "--key", key.string()}).exit_code == 0);
  std::string locked = encrypted_public_key(read_file(pub), "pw");
  REQUIRE(locked.find("Proc-Type: 4,ENCRYPTED") != std::string::npos);
  fs::path encrypted = pub.parent_path() / "locked.pub";
  std::ofstream(encrypted) << locked;
  // OpenSSL's PEM reader asks for the pass phrase, from standard input when there is no terminal.
  ProcessResult verified = run_destkit({"verify", plugin.string(), "--public-key", encrypted.string()}, "pw\npw\npw\n");
  CAPTURE(verified.out, verified.err);
  CHECK(verified.exit_code != 0);
  CHECK(verified.out.find("valid") == std::string::npos);
  CHECK(verified.err.find("pass phrase") == std::string::npos);
}

TEST_CASE("trust settings that cannot work are configuration errors naming the key") {
  auto error_of = [](const std::string& text) {
    return destkit::host::parse_host_config(text, "host.json").status().message();
  };
  CHECK(error_of(R"({"plugins":{"requireSignatures":true}})") ==
        "host.json: plugins.trustedKeys: must list at least one key when requireSignatures is true");
  CHECK(error_of(R"({"plugins":{"trustedKeys":["not a key"]}})") ==
        "host.json: plugins.trustedKeys[0]: is not an Ed25519 public key in PEM form, alone in its text");
  CHECK(error_of(R"({"plugins":{"sha256":{"destkit-a.so":"abc"}}})") ==
        "host.json: plugins.sha256.\"destkit-a.so\": must be a SHA-256 digest in hex (64 characters)");
}
