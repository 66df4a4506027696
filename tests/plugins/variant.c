/*
** Small C plugins that are wrong in one way each, selected by a VARIANT_* macro at build time:
** the loader must reject each with its own reason and keep loading the others. The last ones
** are valid plugins whose code, when it runs, reaches into the host process.
*/
#define _DEFAULT_SOURCE

#include <destkit/abi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DEFINITION(slug, scheme, fields)                                                     \
  "{\"name\":\"Variant\",\"slug\":\"" slug "\",\"authentication\":{\"scheme\":\"" scheme "\"," \
  "\"fields\":{" fields "}}}"

#define API_KEY(type) "\"apiKey\":{\"label\":\"API Key\",\"type\":\"" type "\",\"required\":true}"

#define SLUG "variant"
#define SCHEME "custom"
#define FIELDS ""
#define MAGIC DK_PLUGIN_MAGIC
#define MAJOR DK_ABI_MAJOR
#define MIN_HOST_MINOR 0
#define SIZE sizeof(dk_plugin)

#if defined(VARIANT_BAD_FIELD_TYPE)
#undef FIELDS
#define FIELDS "\"apiKey\":{\"label\":\"API Key\",\"type\":\"strin\"}"
#elif defined(VARIANT_FROZEN_V1_0)
#undef SLUG
#undef FIELDS
#define SLUG "frozen-v1-0"
#define FIELDS API_KEY("password")
#elif defined(VARIANT_DUPLICATE_SLUG)
#undef SLUG
#define SLUG "example-basic"
#elif defined(VARIANT_OTHER_MAJOR)
#undef MAJOR
#define MAJOR 2
#elif defined(VARIANT_NEWER_MINOR)
#undef MIN_HOST_MINOR
#define MIN_HOST_MINOR 99
#elif defined(VARIANT_WRONG_MAGIC)
#undef MAGIC
#define MAGIC 0x12345678u
#elif defined(VARIANT_SMALL_STRUCT)
#undef SIZE
#define SIZE 40 /* ends before the hooks of ABI 1.0 */
#elif defined(VARIANT_UNKNOWN_SCHEME)
#undef SCHEME
#define SCHEME "kerberos"
#elif defined(VARIANT_DUPLICATE_FIELDS)
#undef FIELDS
#define FIELDS API_KEY("string") "," API_KEY("password")
#elif defined(VARIANT_WRONG_FIELD_TYPES)
#undef FIELDS
#define FIELDS "\"apiKey\":{\"label\":5,\"type\":\"string\"}"
#elif defined(VARIANT_REQUIRED_UNKNOWN_TYPE)
#undef FIELDS
#define FIELDS API_KEY("secret")
#endif

/* What a hostile plugin does when it is loaded, before the host sees its entry point. */
#if defined(VARIANT_PRINTS_AT_LOAD)
__attribute__((constructor)) static void at_load(void) {
  printf("a plugin constructor printing to standard output\n");
  fflush(stdout);
}
#elif defined(VARIANT_CLOSES_STDOUT)
__attribute__((constructor)) static void at_load(void) { close(1); }
#elif defined(VARIANT_CHDIR_AT_LOAD)
__attribute__((constructor)) static void at_load(void) {
  if (chdir("/") != 0) abort();
}
#elif defined(VARIANT_MARKS_LOAD)
__attribute__((constructor)) static void at_load(void) { setenv("DESTKIT_TEST_UNVERIFIED_CODE_RAN", "yes", 1); }
#elif defined(VARIANT_NEEDS_NEIGHBOUR) || defined(VARIANT_NEEDS_LIBRARY_BY_PATH)
int destkit_test_neighbour(void); /* in a library found through RUNPATH: $ORIGIN, or its folder */
#endif

#if defined(VARIANT_NOT_JSON)
#define DEFINITION_TEXT "{\"name\": \"Variant\", this is not JSON"
#elif defined(VARIANT_NO_SLUG)
#define DEFINITION_TEXT "{\"name\":\"Variant\",\"authentication\":{\"scheme\":\"custom\"}}"
#elif defined(VARIANT_NO_SCHEME)
#define DEFINITION_TEXT "{\"name\":\"Variant\",\"slug\":\"variant\",\"authentication\":{\"fields\":{}}}"
#elif defined(VARIANT_NULL_DEFINITION)
#define DEFINITION_TEXT NULL
#elif defined(VARIANT_DEEP_DEFINITION) || defined(VARIANT_HUGE_DEFINITION)
#define DEFINITION_TEXT generated
#define GENERATED_DEFINITION 1
#else
#define DEFINITION_TEXT DEFINITION(SLUG, SCHEME, FIELDS)
#endif

#ifdef GENERATED_DEFINITION
/* Built once in the entry point: 10,000 levels deep, or 4 MB of description. */
static char generated[4 * 1024 * 1024 + 256];
#endif

static dk_plugin descriptor = {
    .struct_size = SIZE, .abi_major = MAJOR, .abi_minor = DK_ABI_MINOR, .magic = MAGIC,
    .min_host_abi_minor = MIN_HOST_MINOR, .slug = SLUG, .version = "0.0.1",
};

DK_EXPORT const dk_plugin *dk_plugin_entry(const dk_host_api *host) {
#if defined(VARIANT_REFUSES)
  static const char why[] = "this plugin refuses every host";
  dk_str message;
  message.data = why;
  message.size = strlen(why);
  host->log(NULL, DK_LOG_ERROR, message);
  return NULL;
#elif defined(VARIANT_RETURNS_GARBAGE)
  (void)host;
  return (const dk_plugin *)"not a descriptor at all, just text long enough to be read";
#elif defined(VARIANT_EXITS_IN_ENTRY)
  (void)host;
  exit(0);
#else
  (void)host;
#if defined(VARIANT_NEEDS_NEIGHBOUR) || defined(VARIANT_NEEDS_LIBRARY_BY_PATH)
  if (destkit_test_neighbour() != 42) return NULL;
#endif
#if defined(VARIANT_UNTERMINATED_VERSION)
  /* A version of 4096 bytes without a NUL, then a page that may not be read: reading it to its
  ** end crashes the reader. */
  long page = sysconf(_SC_PAGESIZE);
  char *pages = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return NULL;
  memset(pages, 'v', (size_t)page);
  mprotect(pages + page, (size_t)page, PROT_NONE);
  descriptor.version = pages;
#endif
#ifdef GENERATED_DEFINITION
  if (generated[0] == '\0') {
#if defined(VARIANT_DEEP_DEFINITION)
    memset(generated, '[', 10000);
    memset(generated + 10000, ']', 10000);
#else
    static const char head[] = "{\"name\":\"Variant\",\"slug\":\"variant\",\"description\":\"";
    static const char tail[] = "\",\"authentication\":{\"scheme\":\"custom\"}}";
    memcpy(generated, head, sizeof head - 1);
    memset(generated + sizeof head - 1, 'x', 4 * 1024 * 1024);
    memcpy(generated + sizeof head - 1 + 4 * 1024 * 1024, tail, sizeof tail);
#endif
  }
#endif
  descriptor.definition_json = DEFINITION_TEXT;
  return &descriptor;
#endif
}
