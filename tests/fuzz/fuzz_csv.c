/* fuzz_csv.c: libFuzzer target for the CSV reader (csv_each and csv_columns over any bytes). */
#include "qrel/qrel.h"
#include "qrel/csv.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
row(void *ctx, const struct csv_row *r)
{
	static const char *const names[] = { "site", "year", "metric", NULL };
	int idx[3];
	struct diags *d = ctx;

	if (r->index == 0)
		csv_columns(r, names, idx, NULL, d, "fuzz");
	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->field[i]) > (size_t)1 << 30)
			abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = { 0 };

	csv_each(fuzz_file(data, size, ".csv"), row, &d, &d);
	diag_free(&d);
	return 0;
}
