/*
** Plugins that fail the way partner code fails: crash, exit, hang, exhaust memory or
** descriptors, reach for processes, programs and the network, or write to the host's streams. FAULT selects
** what it does and WHERE_* where (its entry point, testRequest or extendRequest); SLUG names it.
** Run only isolated: each one would end or hang a host that ran it in process. Those that reach
** for the host process (its signals, limits, priority, scheduling, memory, /proc files) name it
** by getppid(): in a runner, that is the host.
*/
#define _GNU_SOURCE

#include <destkit/abi.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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
#define FAULT_SIGQUEUE_PARENT 17
#define FAULT_PIDFD_SIGNAL_PARENT 18
#define FAULT_PRLIMIT_PARENT 19
#define FAULT_RENICE_PARENT 20
#define FAULT_RENICE_GROUP 21
#define FAULT_SCHEDULE_PARENT 22
#define FAULT_IOPRIO_PARENT 23
#define FAULT_READ_PARENT_MEMORY 24
#define FAULT_OPEN_PARENT_PROC 25 /* reports what opening the host's mem and environ did */
#define FAULT_PRIVILEGES 26       /* reports its uid, gid, groups, capabilities and dumpable flag */
#define FAULT_HUGE_ERROR 27       /* set_error with 80 MB: reports the status and last_error */
#define FAULT_HUGE_LOG 28         /* log with 80 MB and with SIZE_MAX bytes, then carries on */
#define FAULT_HUGE_DEFINITION 29  /* a definition of 80 MB (in the entry point) */
#define FAULT_CLOSE_CHANNEL 30    /* closes its runner's channel (fd 3), then carries on */
#define FAULT_IO_URING 31         /* sets up an io_uring, whose operations would bypass the filter */
#define FAULT_SETOWN_PARENT 32    /* makes the host the owner of a pipe's I/O signals (fcntl) */
#define FAULT_IOCTL_SETOWN_PARENT 33 /* the same for its channel, by ioctl */
#define FAULT_FORGE_DONE 34       /* writes a runner's "hook done, DK_OK" to its channel, then carries on */
#define FAULT_LOG_LOOP 35         /* logs 2,000 lines, then carries on */
#define FAULT_ASYNC_IO 36         /* turns on signal-driven I/O (O_ASYNC) on a pipe */
#define FAULT_IOCTL_ASYNC_IO 37   /* the same by ioctl (FIOASYNC) */
#define FAULT_SERVICE_LOOP 38     /* logs and asks for a setting it does not have, forever */
#define FAULT_OPTIONS_LOOP 39     /* makes and fills options until refused: reports last_error */
#define FAULT_INVALID_SETTING_LOOP 40 /* names the field "mode" invalid 10,000 times, then says so */
#define FAULT_BODY_AGAIN 41           /* sets a 6 MB body 200 times on one options handle, then succeeds */
#define FAULT_BIG_HEADERS 42          /* sets 1 MB headers on extendRequest's output until one is refused */
#define FAULT_TEXT_LOOP 43            /* asks last_error 2,000,000 times, then the settings until refused */
#define FAULT_DEAF 44                 /* asks for services on its channel forever, never reading a reply */
#define FAULT_SIGKILL 45              /* sends itself SIGKILL, as another process or the OOM killer would */
#define FAULT_BODY_LOOP 46            /* makes options with a 1 MB body each until refused: reports last_error */
#define FAULT_SEND_TO_MODE 47         /* sends a GET to the URL its mode setting holds, then carries on */
#define FAULT_EXIT_HANDLER 48         /* registers an exit handler that calls _exit(0), then carries on */
#define FAULT_THREAD_EXIT 49          /* starts a thread that calls exit(0) 100 ms later, then carries on */
#define FAULT_GROW_FILES 50           /* grows a memfd and a file in /dev/shm: reports how, and RLIMIT_NPROC */
#define FAULT_SHM_SEGMENT 51          /* makes a System V shared memory segment of 1 GB */
#define FAULT_MESSAGE_QUEUE 52        /* makes a POSIX message queue, which outlives its maker */

static const dk_host_api *host;
static dk_call *current_call;
static dk_request_options *current_out; /* extendRequest's output, while it runs */
static char problem[1024];

#define HUGE_TEXT_BYTES ((size_t)80 << 20)

/* The lines of /proc/self/status that start with `key`, appended to `problem`. */
__attribute__((unused)) static void report_status(const char *key) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  while (status != NULL && fgets(line, sizeof line, status) != NULL) {
    if (strncmp(line, key, strlen(key)) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    while (strlen(line) > 0 && (line[strlen(line) - 1] == ' ' || line[strlen(line) - 1] == '\t')) line[strlen(line) - 1] = '\0';
    for (char *c = line; *c != '\0'; ++c) {
      if (*c == '\t') *c = ' ';
    }
    snprintf(problem + strlen(problem), sizeof problem - strlen(problem), "%s; ", line);
  }
  if (status != NULL) fclose(status);
}

/* The descriptors it holds ("fds: 0 1 2;") and the names in its environment ("environment: A B;"). */
__attribute__((unused)) static void report_inherited(void) {
  DIR *fds = opendir("/proc/self/fd");
  struct dirent *entry;
  snprintf(problem + strlen(problem), sizeof problem - strlen(problem), "fds:");
  while (fds != NULL && (entry = readdir(fds)) != NULL) {
    if (entry->d_name[0] == '.' || atoi(entry->d_name) == dirfd(fds)) continue;
    snprintf(problem + strlen(problem), sizeof problem - strlen(problem), " %s", entry->d_name);
  }
  if (fds != NULL) closedir(fds);
  snprintf(problem + strlen(problem), sizeof problem - strlen(problem), "; environment:");
  for (char **variable = environ; *variable != NULL; ++variable) {
    snprintf(problem + strlen(problem), sizeof problem - strlen(problem), " %.*s", (int)strcspn(*variable, "="), *variable);
  }
  snprintf(problem + strlen(problem), sizeof problem - strlen(problem), "; ");
}

__attribute__((unused)) static const char *open_result(const char *path, int flags) {
  int fd = open(path, flags);
  if (fd < 0) return strerror(errno);
  close(fd);
  return "opened";
}

/* 80 MB of address space of which only the first 2 MiB is written (with no NUL in it, so a
   definition there is longer than the host takes): touching all of it takes seconds on a busy
   virtual machine, past the tests' hook deadline, and no size check needs the rest. */
#define HUGE_TEXT_WRITTEN ((size_t)2 << 20)
__attribute__((unused)) static char *huge_text(void) {
  void *text = mmap(NULL, HUGE_TEXT_BYTES + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (text == MAP_FAILED) return NULL;
  memset(text, 'h', HUGE_TEXT_WRITTEN);
  return text;
}

__attribute__((unused)) static void free_huge_text(char *text) { munmap(text, HUGE_TEXT_BYTES + 1); }

__attribute__((unused)) static void *crash_later(void *unused) {
  (void)unused;
  usleep(50 * 1000);
  *(volatile int *)16 = 1;
  return NULL;
}

__attribute__((unused)) static void exit_with_success(void) { _exit(0); }

__attribute__((unused)) static void *exit_later(void *unused) {
  (void)unused;
  usleep(100 * 1000);
  exit(0);
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
    case FAULT_CLOSE_CHANNEL: close(3); break;
    case FAULT_FORGE_DONE: {
      /* A frame: its length, then fields 'i' + 8 bytes: kind 3 (hook done), status DK_OK. */
      unsigned char frame[4 + 18] = {18, 0, 0, 0, 'i', 3, 0, 0, 0, 0, 0, 0, 0, 'i', 0, 0, 0, 0, 0, 0, 0, 0};
      if (write(3, frame, sizeof frame) != (ssize_t)sizeof frame) return -1;
      break;
    }
    case FAULT_DEAF: {
      /* A frame: its length, then fields 'i' + 8 bytes: kind 4 (service), 3 (last_error), handle 0. */
      unsigned char frame[4 + 27] = {27, 0, 0, 0, 'i', 4, 0,   0, 0, 0, 0, 0, 0, 'i', 3, 0,
                                     0,  0, 0, 0, 0,   0, 'i', 0, 0, 0, 0, 0, 0, 0,   0};
      for (;;) {
        if (write(3, frame, sizeof frame) != (ssize_t)sizeof frame) return -1;
      }
    }
    case FAULT_SIGSTOP: raise(SIGSTOP); break;
    case FAULT_SIGKILL: raise(SIGKILL); break;
    case FAULT_THREAD_CRASH: {
      pthread_t thread;
      pthread_create(&thread, NULL, crash_later, NULL);
      pthread_detach(thread);
      break;
    }
    case FAULT_EXIT_HANDLER: atexit(exit_with_success); break;
    case FAULT_GROW_FILES: {
      int memfd = (int)syscall(SYS_memfd_create, "grow", 0);
      const char *memfd_grew = memfd >= 0 && ftruncate(memfd, (off_t)200 << 20) == 0 ? "grew" : strerror(errno);
      if (memfd >= 0) close(memfd);
      char path[64];
      snprintf(path, sizeof path, "/dev/shm/destkit-fault-%d", (int)getpid());
      int file = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
      const char *file_grew = file >= 0 && write(file, "x", 1) == 1 ? "grew" : strerror(errno);
      if (file >= 0) close(file);
      unlink(path);
      struct rlimit tasks;
      getrlimit(RLIMIT_NPROC, &tasks);
      snprintf(problem, sizeof problem, "memfd: %s; /dev/shm file: %s; RLIMIT_NPROC %lld", memfd_grew, file_grew,
               (long long)tasks.rlim_cur);
      return -1;
    }
    case FAULT_MESSAGE_QUEUE: syscall(SYS_mq_open, "destkit-fault", O_CREAT | O_RDWR, 0600, NULL); break;
    case FAULT_SHM_SEGMENT:
      syscall(SYS_shmget, 0 /* IPC_PRIVATE */, (size_t)1 << 30, 01000 /* IPC_CREAT */ | 0600);
      break;
    case FAULT_THREAD_EXIT: {
      pthread_t thread;
      pthread_create(&thread, NULL, exit_later, NULL);
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
    case FAULT_SIGQUEUE_PARENT: {
      siginfo_t info;
      memset(&info, 0, sizeof info);
      info.si_code = SI_QUEUE;
      syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR2, &info);
      snprintf(problem, sizeof problem, "rt_sigqueueinfo: %s", strerror(errno));
      return -1;
    }
    case FAULT_PIDFD_SIGNAL_PARENT: {
      char path[64];
      snprintf(path, sizeof path, "/proc/%d", (int)getppid());
      int pidfd = open(path, O_RDONLY | O_DIRECTORY);
      syscall(SYS_pidfd_send_signal, pidfd, SIGUSR2, NULL, 0);
      snprintf(problem, sizeof problem, "pidfd_send_signal: %s", strerror(errno));
      return -1;
    }
    case FAULT_PRLIMIT_PARENT: {
      struct rlimit four = {4, 4};
      prlimit(getppid(), RLIMIT_NOFILE, &four, NULL);
      snprintf(problem, sizeof problem, "prlimit: %s", strerror(errno));
      return -1;
    }
    case FAULT_RENICE_PARENT:
      setpriority(PRIO_PROCESS, (id_t)getppid(), 19);
      snprintf(problem, sizeof problem, "setpriority: %s", strerror(errno));
      return -1;
    case FAULT_RENICE_GROUP: /* a process group may hold other processes */
      setpriority(PRIO_PGRP, 0, 19);
      snprintf(problem, sizeof problem, "setpriority: %s", strerror(errno));
      return -1;
    case FAULT_SCHEDULE_PARENT: {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(0, &one);
      sched_setaffinity(getppid(), sizeof one, &one);
      snprintf(problem, sizeof problem, "sched_setaffinity: %s", strerror(errno));
      return -1;
    }
    case FAULT_IOPRIO_PARENT:
      syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, getppid(), 7 << 13 /* IOPRIO_CLASS_IDLE */);
      snprintf(problem, sizeof problem, "ioprio_set: %s", strerror(errno));
      return -1;
    case FAULT_READ_PARENT_MEMORY: {
      char byte;
      struct iovec local = {&byte, 1}, remote = {(void *)&problem, 1};
      process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
      snprintf(problem, sizeof problem, "process_vm_readv: %s", strerror(errno));
      return -1;
    }
    case FAULT_IO_URING: {
      unsigned char params[256]; /* struct io_uring_params, zeroed */
      memset(params, 0, sizeof params);
      long ring = syscall(SYS_io_uring_setup, 4, params);
      snprintf(problem, sizeof problem, "io_uring_setup: %s", ring < 0 ? strerror(errno) : "a ring");
      return -1;
    }
    case FAULT_SETOWN_PARENT: {
      int ends[2];
      if (pipe(ends) != 0) return -1;
      fcntl(ends[0], F_SETOWN, (int)getppid());
      snprintf(problem, sizeof problem, "fcntl(F_SETOWN): %s", strerror(errno));
      return -1;
    }
    case FAULT_IOCTL_SETOWN_PARENT: {
      int host = (int)getppid();
      ioctl(3, FIOSETOWN, &host);
      snprintf(problem, sizeof problem, "ioctl(FIOSETOWN): %s", strerror(errno));
      return -1;
    }
    case FAULT_OPEN_PARENT_PROC: {
      char mem[64], environ_file[64];
      snprintf(mem, sizeof mem, "/proc/%d/mem", (int)getppid());
      snprintf(environ_file, sizeof environ_file, "/proc/%d/environ", (int)getppid());
      snprintf(problem, sizeof problem, "mem: %s; environ: %s", open_result(mem, O_RDWR), open_result(environ_file, O_RDONLY));
      return -1;
    }
    case FAULT_PRIVILEGES:
      problem[0] = '\0';
      report_status("Uid:");
      report_status("Gid:");
      report_status("Groups:");
      report_status("Cap");
      report_status("NoNewPrivs:");
      report_status("Seccomp:");
      report_inherited();
      snprintf(problem + strlen(problem), sizeof problem - strlen(problem), "dumpable %d; ", prctl(PR_GET_DUMPABLE));
      {
        /* Calls on itself, by pid 0 (as the C library makes them) and by its own pid. */
        struct rlimit files;
        cpu_set_t cpus;
        /* Only ever nicer than it is: a host started with `nice` has a runner that may not go back. */
        int nice_now = getpriority(PRIO_PROCESS, 0);
        int nicer = nice_now < 19 ? nice_now + 1 : 19;
        int own = getrlimit(RLIMIT_NOFILE, &files) == 0 && prlimit(getpid(), RLIMIT_NOFILE, NULL, &files) == 0 &&
                  setpriority(PRIO_PROCESS, 0, nicer) == 0 && setpriority(PRIO_PROCESS, (id_t)getpid(), nicer) == 0 &&
                  sched_getaffinity(0, sizeof cpus, &cpus) == 0 && sched_setaffinity(getpid(), sizeof cpus, &cpus) == 0 &&
                  kill(getpid(), 0) == 0;
        snprintf(problem + strlen(problem), sizeof problem - strlen(problem), "calls on itself: %s",
                 own ? "ok" : strerror(errno));
      }
      return -1;
    case FAULT_HUGE_ERROR: { /* the call's error is what the host made of it */
      char *text = huge_text();
      dk_status status = host->set_error(current_call, (dk_str){text, HUGE_TEXT_BYTES});
      free_huge_text(text);
      snprintf(problem, sizeof problem, "set_error returned %d", (int)status);
      host->log(current_call, DK_LOG_INFO, (dk_str){problem, strlen(problem)});
      problem[0] = '\0';
      return -1;
    }
    case FAULT_HUGE_LOG: {
      char *text = huge_text();
      host->log(current_call, DK_LOG_INFO, (dk_str){text, HUGE_TEXT_BYTES});
      free_huge_text(text);
      host->log(current_call, DK_LOG_INFO, (dk_str){"x", SIZE_MAX}); /* a size no frame check may overflow on */
      break;
    }
    case FAULT_ASYNC_IO:
    case FAULT_IOCTL_ASYNC_IO: {
      int ends[2], on = 1;
      if (pipe(ends) != 0) return -1;
      if (FAULT == FAULT_ASYNC_IO) {
        fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_ASYNC);
      } else {
        ioctl(ends[0], FIOASYNC, &on);
      }
      snprintf(problem, sizeof problem, "signal-driven I/O: %s", strerror(errno));
      return -1;
    }
    case FAULT_LOG_LOOP:
      for (int i = 0; i < 2000; ++i) host->log(current_call, DK_LOG_INFO, DK_STR_LIT("a line of a loop"));
      break;
    case FAULT_SERVICE_LOOP:
      for (;;) {
        dk_value value;
        host->log(current_call, DK_LOG_DEBUG, DK_STR_LIT("asking again"));
        host->get_setting(current_call, DK_STR_LIT("no-such-setting"), &value);
      }
    case FAULT_OPTIONS_LOOP: {
      static char filler[4096];
      memset(filler, 'f', sizeof filler);
      dk_request_options *options = NULL;
      dk_status status = DK_OK;
      for (long i = 0; status == DK_OK && i < 10000000; ++i) {
        status = host->request_options_new(current_call, &options);
        if (status == DK_OK)
          status = host->options_set_header(options, DK_STR_LIT("X-Filler"), (dk_str){filler, sizeof filler});
      }
      dk_str why = {NULL, 0};
      host->last_error(current_call, &why);
      snprintf(problem, sizeof problem, "refused with %d: %.*s", (int)status, (int)why.size, why.data);
      return -1;
    }
    case FAULT_BODY_LOOP: {
      static char body[1 << 20];
      memset(body, 'b', sizeof body);
      dk_request_options *options = NULL;
      dk_status status = DK_OK;
      for (long i = 0; status == DK_OK && i < 100000; ++i) {
        status = host->request_options_new(current_call, &options);
        if (status == DK_OK) status = host->options_set_body(options, (dk_str){body, sizeof body});
      }
      dk_str why = {NULL, 0};
      host->last_error(current_call, &why);
      snprintf(problem, sizeof problem, "refused with %d: %.*s", (int)status, (int)why.size, why.data);
      return -1;
    }
    case FAULT_SEND_TO_MODE: {
      dk_value url;
      dk_response *response = NULL;
      if (host->get_setting(current_call, DK_STR_LIT("mode"), &url) == DK_OK) {
        host->request_send(current_call, url.text, NULL, &response);
      }
      break;
    }
    case FAULT_TEXT_LOOP: {
      dk_str text = {NULL, 0};
      for (long i = 0; i < 2000000; ++i) host->last_error(current_call, &text);
      dk_status status = DK_OK;
      long calls = 0;
      while (status == DK_OK && calls < 10000000) {
        status = host->get_settings_json(current_call, &text);
        ++calls;
      }
      dk_str why = {NULL, 0};
      dk_status asked = host->last_error(current_call, &why);
      snprintf(problem, sizeof problem, "refused with %d after %ld calls; last_error %d: %.*s", (int)status, calls,
               (int)asked, (int)why.size, why.data);
      return -1;
    }
    case FAULT_BODY_AGAIN: {
      size_t size = (size_t)6 << 20;
      char *body = malloc(size);
      dk_request_options *options = NULL;
      if (body == NULL || host->request_options_new(current_call, &options) != DK_OK) {
        snprintf(problem, sizeof problem, "could not start");
        free(body);
        return -1;
      }
      memset(body, 'b', size);
      for (int i = 0; i < 200; ++i) {
        dk_status status = host->options_set_body(options, (dk_str){body, size});
        if (status != DK_OK) {
          snprintf(problem, sizeof problem, "options_set_body %d returned %d", i, (int)status);
          free(body);
          return -1;
        }
      }
      free(body);
      break;
    }
    case FAULT_BIG_HEADERS: {
      size_t size = 1000000;
      char *value = malloc(size);
      if (value == NULL || current_out == NULL) {
        snprintf(problem, sizeof problem, "nothing to set");
        free(value);
        return -1;
      }
      memset(value, 'v', size);
      for (int i = 0; i < 80; ++i) {
        char name[16];
        snprintf(name, sizeof name, "X-Big-%02d", i);
        dk_status status = host->options_set_header(current_out, (dk_str){name, strlen(name)}, (dk_str){value, size});
        if (status != DK_OK) {
          dk_str why = {NULL, 0};
          host->last_error(current_call, &why);
          snprintf(problem, sizeof problem, "header %d refused with %d: %.*s", i, (int)status, (int)why.size, why.data);
          free(value);
          return -1;
        }
      }
      free(value);
      snprintf(problem, sizeof problem, "every header was taken");
      return -1;
    }
    case FAULT_INVALID_SETTING_LOOP: {
      char why[64];
      for (int i = 0; i < 10000; ++i) {
        snprintf(why, sizeof why, "is wrong (%d)", i);
        host->set_invalid_setting(current_call, DK_STR_LIT("mode"), (dk_str){why, strlen(why)});
      }
      return -2;
    }
  }
  return 0;
}

__attribute__((unused)) static dk_status failed(dk_call *call, int fault) {
  if (fault == -2) return DK_ERR_INVALID_SETTINGS;
  if (problem[0] != '\0') host->set_error(call, (dk_str){problem, strlen(problem)});
  return DK_ERR_INTERNAL;
}

static dk_status test_request(dk_call *call) {
  current_call = call;
#ifdef WHERE_TEST
  int fault_result = fault();
  if (fault_result != 0) return failed(call, fault_result);
#endif
  (void)call;
  return DK_OK;
}

static dk_status extend_request(dk_call *call, dk_request_options *out) {
  current_call = call;
  current_out = out;
#ifdef WHERE_EXTEND
  int fault_result = fault();
  if (fault_result != 0) return failed(call, fault_result);
#endif
  (void)call;
  (void)out;
  return DK_OK;
}

static dk_plugin descriptor = {sizeof(dk_plugin),
                               DK_ABI_MAJOR,
                               DK_ABI_MINOR,
                               DK_PLUGIN_MAGIC,
                               0,
                               0,
                               SLUG,
                               "1.0.0",
                               "{\"name\":\"Faulty\",\"slug\":\"" SLUG
                               "\",\"authentication\":{\"scheme\":\"custom\",\"fields\":"
                               "{\"mode\":{\"label\":\"Mode\",\"type\":\"string\"}}}}",
                               test_request,
                               extend_request,
                               NULL};

const dk_plugin *dk_plugin_entry(const dk_host_api *h) {
  host = h;
#ifdef WHERE_ENTRY
  if (FAULT == FAULT_HUGE_DEFINITION) {
    char *definition = huge_text();
    if (definition == NULL) return NULL;
    memcpy(definition, descriptor.definition_json, strlen(descriptor.definition_json));
    descriptor.definition_json = definition;
  }
  if (fault() != 0) {
    /* No call to set an error on: the entry point's log line says what went wrong. */
    if (problem[0] != '\0') host->log(NULL, DK_LOG_ERROR, (dk_str){problem, strlen(problem)});
    return NULL;
  }
#endif
  return &descriptor;
}
