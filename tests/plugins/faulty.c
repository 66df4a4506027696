/*
** Plugins that fail the way partner code fails: crash, exit, hang, exhaust memory or
** descriptors, reach for processes, programs and the network, or write to the host's streams. FAULT selects
** what it does and WHERE_* where (its entry point, testRequest or extendRequest); SLUG names it.
** Run only isolated: each one would end or hang a host that ran it in process.
*/
#define _GNU_SOURCE

#include <destkit/abi.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAULT_SEGFAULT 1
#define FAULT_ABORT 2
#define FAULT_EXIT 3
#define FAULT_LOOP 4
#define FAULT_SLEEP 5
#define FAULT_ALLOCATE 6
#define FAULT_LEAK_FDS 7
#define FAULT_FORK 8
#define FAULT_EXEC 9
#define FAULT_STDOUT 10
#define FAULT_CLOSE_STDIO 11
#define FAULT_SIGSTOP 12
#define FAULT_THREAD_CRASH 13
#define FAULT_KILL_PARENT 14
#define FAULT_SOCKET 15
#define FAULT_PTRACE 16

static const dk_host_api *host;
static char problem[256];

__attribute__((unused)) static void *crash_later(void *unused) {
  (void)unused;
  usleep(50 * 1000);
  *(volatile int *)16 = 1;
  return NULL;
}

/* Does the fault. Returns 0 when the plugin goes on normally, or sets `problem`. */
__attribute__((unused)) static int fault(void) {
  switch (FAULT) {
    case FAULT_SEGFAULT: *(volatile int *)16 = 1; break;
    case FAULT_ABORT: abort();
    case FAULT_EXIT: exit(0);
    case FAULT_LOOP: for (volatile unsigned long i = 0;; ++i) {} break;
    case FAULT_SLEEP: sleep(600); break;
    case FAULT_ALLOCATE: {
      size_t size = (size_t)10 << 30;
      char *memory = malloc(size);
      if (memory == NULL) {
        snprintf(problem, sizeof problem, "could not allocate 10 GB");
        return -1;
      }
      memset(memory, 1, size);
      break;
    }
    case FAULT_LEAK_FDS: {
      int opened = 0;
      while (opened < 100000 && open("/dev/null", O_RDONLY) >= 0) ++opened;
      snprintf(problem, sizeof problem, "opened %d descriptors, then: %s", opened, strerror(errno));
      return -1;
    }
    case FAULT_FORK:
      for (int i = 0; i < 1000; ++i) {
        if (fork() == 0) _exit(0);
      }
      snprintf(problem, sizeof problem, "fork: %s", strerror(errno));
      return -1;
    case FAULT_EXEC:
      execl("/bin/sh", "sh", "-c", "echo escaped", (char *)NULL);
      snprintf(problem, sizeof problem, "execl: %s", strerror(errno));
      return -1;
    case FAULT_STDOUT:
      printf("faulty plugin on stdout\n");
      fflush(stdout);
      fprintf(stderr, "faulty plugin on stderr\n");
      break;
    case FAULT_CLOSE_STDIO: close(0); close(1); close(2); break;
    case FAULT_SIGSTOP: raise(SIGSTOP); break;
    case FAULT_THREAD_CRASH: {
      pthread_t thread;
      pthread_create(&thread, NULL, crash_later, NULL);
      pthread_detach(thread);
      break;
    }
    case FAULT_KILL_PARENT: kill(getppid(), SIGKILL); break;
    case FAULT_SOCKET:
      if (socket(AF_INET, SOCK_STREAM, 0) < 0) snprintf(problem, sizeof problem, "socket: %s", strerror(errno));
      return -1;
    case FAULT_PTRACE:
      if (ptrace(PTRACE_ATTACH, getppid(), NULL, NULL) != 0) snprintf(problem, sizeof problem, "ptrace: %s", strerror(errno));
      return -1;
  }
  return 0;
}

__attribute__((unused)) static dk_status failed(dk_call *call) {
  host->set_error(call, (dk_str){problem, strlen(problem)});
  return DK_ERR_INTERNAL;
}

static dk_status test_request(dk_call *call) {
#ifdef WHERE_TEST
  if (fault() != 0) return failed(call);
#endif
  (void)call;
  return DK_OK;
}

static dk_status extend_request(dk_call *call, dk_request_options *out) {
#ifdef WHERE_EXTEND
  if (fault() != 0) return failed(call);
#endif
  (void)call;
  (void)out;
  return DK_OK;
}

static const dk_plugin descriptor = {
    sizeof(dk_plugin), DK_ABI_MAJOR, DK_ABI_MINOR, DK_PLUGIN_MAGIC, 0, 0, SLUG, "1.0.0",
    "{\"name\":\"Faulty\",\"slug\":\"" SLUG "\",\"authentication\":{\"scheme\":\"custom\",\"fields\":{}}}",
    test_request, extend_request, NULL};

const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
#ifdef WHERE_ENTRY
  if (fault() != 0) return NULL;
#endif
  return &descriptor;
}
