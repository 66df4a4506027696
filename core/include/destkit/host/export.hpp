// destkit/host/export.hpp — marks what libdestkit-host.so exports: the embedding API and
// nothing else (everything else is built with hidden visibility).
#pragma once

#if defined(DESTKIT_HOST_BUILDING)
#define DESTKIT_HOST_API __attribute__((visibility("default")))
#else
#define DESTKIT_HOST_API
#endif
