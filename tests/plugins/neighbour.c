/* A library that a plugin finds next to itself through RUNPATH $ORIGIN: code nobody signed. */
int destkit_test_neighbour(void);

int destkit_test_neighbour(void) { return 42; }
