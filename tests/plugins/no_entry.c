/* A shared library that is not a destkit plugin: it exports no dk_plugin_entry. */
int not_a_plugin(void) { return 42; }
