/* A library whose dk_plugin_entry is hidden: it is in the file's full symbol table but not in
** the dynamic one, so dlsym cannot find it and the host must not take it for a plugin. (No
** destkit header: abi.h declares the entry point exported.) */
__attribute__((visibility("hidden"))) const void* dk_plugin_entry(const void* host) {
  (void)host;
  return 0;
}

int not_a_plugin(void) { return dk_plugin_entry(0) == 0; }
