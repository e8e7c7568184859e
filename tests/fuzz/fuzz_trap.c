/* Fuzz target: the trap-to-event decoder (Net-SNMP's parser, then ours). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "snmpsess.h"
#include "trapd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		const char *none[] = { "/nonexistent" };

		snmpsess_library_init(none, 1);
		ready = 1;
	}
	if (size > 65536)
		return 0;
	trapd_decode_for_fuzzing(data, size);
	return 0;
}
