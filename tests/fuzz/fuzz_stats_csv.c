/* fuzz_stats_csv.c: libFuzzer target for the risk and agree CSV commands (first byte picks which). */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "fuzz_common.h"

#include <getopt.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	char *argv[4];
	const char *path;

	if (size < 1)
		return 0;
	if (!quiet)	/* the reports are not what is tested; messages on stderr go to the log */
		quiet = freopen("/dev/null", "w", stdout) != NULL;
	path = fuzz_file(data + 1, size - 1, ".csv");
	argv[0] = data[0] & 1 ? "agree" : "risk";
	argv[1] = (char *)path;
	argv[2] = NULL;
	optind = 0;	/* GNU getopt: start afresh for each call */
	if (data[0] & 1)
		cmd_agree(2, argv);
	else
		cmd_risk(2, argv);
	return 0;
}
