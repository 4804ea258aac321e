/* libFuzzer target: see fg_fuzz_config in fuzz_entries.h. */
#include "fuzz_entries.h"

#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(fg_fuzz_cleanup); /* no temp files left in /dev/shm after a clean exit */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)fg_fuzz_config(data, size);
	return 0;
}
