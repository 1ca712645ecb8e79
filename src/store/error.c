/* error.c: the last error's message, and the names of status codes. */
#include "qrel/qrel.h"

static char last_message[1024];

static const char *const status_text[] = {
#define STATUS_TEXT(name, msg) msg,
	QREL_STATUS(STATUS_TEXT)
#undef STATUS_TEXT
};

int
error(enum status code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	return code;
}

const char *
error_message(void)
{
	return last_message[0] ? last_message : "no error";
}

const char *
status_name(enum status code)
{
	if ((size_t)code >= ARRAY_SIZE(status_text))
		return "unknown error";
	return status_text[code];
}

void
error_clear(void)
{
	last_message[0] = '\0';
}
