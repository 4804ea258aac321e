/* libFuzzer target: see fg_fuzz_graphalytics in fuzz_entries.h. */
#include "fuzz_entries.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)fg_fuzz_graphalytics(data, size);
	return 0;
}
