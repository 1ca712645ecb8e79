/* fuzz_common.h: writes a fuzz input to a private temporary file, since the readers under test take paths. */
#ifndef QREL_FUZZ_COMMON_H
#define QREL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *
fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/qrel-fuzz-%d%s", (int)getpid(), suffix);
	if (!(f = fopen(path, "wb")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	return path;
}

#endif
