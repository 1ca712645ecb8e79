/* error.h: status codes with messages; error() records the last one and returns its code. */
#ifndef QREL_ERROR_H
#define QREL_ERROR_H

#define QREL_STATUS(_) \
	_(OK, "ok") \
	_(USAGE, "usage error") \
	_(IO, "input/output error") \
	_(NOMEM, "out of memory") \
	_(DB, "database error") \
	_(NEWER_SCHEMA, "database is from a newer qrel") \
	_(READONLY, "database is read-only") \
	_(PARSE, "invalid input") \
	_(NOTFOUND, "not found") \
	_(DENIED, "not permitted") \
	_(LOCKED, "locked") \
	_(CONFLICT, "changed by someone else") \
	_(FULL, "disk full")

enum status {
#define STATUS_ENUM(name, msg) QREL_##name,
	QREL_STATUS(STATUS_ENUM)
#undef STATUS_ENUM
};

/* Records "fmt" as the last error and returns code, so callers write
 * `return error(QREL_IO, "%s: %s", path, strerror(errno));`. */
int error(enum status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *error_message(void);
const char *status_name(enum status code);
void error_clear(void);

#endif
