/* fuzz_framework.c: libFuzzer target for the rubric framework INI loader. */
#include "qrel/qrel.h"
#include "qrel/framework.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct framework *fw = NULL;
	struct diags d = { 0 };

	if (framework_load(fuzz_file(data, size, ".ini"), &fw, &d) == QREL_OK)
		framework_free(fw);
	diag_free(&d);
	return 0;
}
