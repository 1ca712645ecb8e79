/* hub_libpq.h: libpq, loaded when the hub is first used instead of at every start.
 *
 * Linking libpq made every qrel start load it and what it needs (Kerberos, LDAP,
 * GnuTLS, OpenSSL): about 9 ms of each first screen, for the few commands and the
 * one key that reach the hub. So qrel is not linked with it: hub_connect, the
 * only way to a PGconn, first calls hub_libpq_load, which dlopen()s libpq and
 * fills a table with the functions below.
 *
 * The hub's files reach this header through hub_pq.h and keep calling libpq by
 * its documented names: the macros at the end send each name through the table.
 * A libpq function missing from the list fails the link (there is no -lpq), so
 * no call can slip past the loader. Types and constants still come from
 * <libpq-fe.h> (the Debian package libpq-dev builds qrel; libpq5 runs the hub). */
#ifndef QREL_HUB_LIBPQ_H
#define QREL_HUB_LIBPQ_H

#include <libpq-fe.h>

/* The library hub_libpq_load opens, and the Debian package that holds it. */
#define HUB_LIBPQ_FILE "libpq.so.5"
#define HUB_LIBPQ_PACKAGE "libpq5"

/* Every libpq function qrel calls (X: a macro of one name). */
#define HUB_LIBPQ_FUNCTIONS(X) \
	X(PQclear) \
	X(PQcmdTuples) \
	X(PQconnectdb) \
	X(PQconninfoFree) \
	X(PQconninfoParse) \
	X(PQenterPipelineMode) \
	X(PQerrorMessage) \
	X(PQescapeIdentifier) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQexecPrepared) \
	X(PQexitPipelineMode) \
	X(PQfinish) \
	X(PQfreemem) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetvalue) \
	X(PQnfields) \
	X(PQntuples) \
	X(PQpipelineSync) \
	X(PQprepare) \
	X(PQresultErrorField) \
	X(PQresultStatus) \
	X(PQsendQueryParams) \
	X(PQsendQueryPrepared) \
	X(PQstatus)

/* One pointer per function, each of its own libpq type; NULL until loaded. */
struct hub_libpq {
#define HUB_LIBPQ_POINTER(name) __typeof__(name) *name;
	HUB_LIBPQ_FUNCTIONS(HUB_LIBPQ_POINTER)
#undef HUB_LIBPQ_POINTER
};
extern struct hub_libpq hub_libpq;

/* Loads HUB_LIBPQ_FILE once (later calls return at once): QREL_OK with the
 * table filled, or QREL_IO naming the package and what the loader said, with
 * the table left empty. */
int hub_libpq_load(void);
/* The same with the library's file name given (for the tests). */
int hub_libpq_open(const char *file);

/* The calls go through the table; HUB_LIBPQ_TABLE_ONLY, defined before the
 * include, keeps libpq's names for the table's members (hub_libpq.c, its test). */
#ifndef HUB_LIBPQ_TABLE_ONLY
#define PQclear hub_libpq.PQclear
#define PQcmdTuples hub_libpq.PQcmdTuples
#define PQconnectdb hub_libpq.PQconnectdb
#define PQconninfoFree hub_libpq.PQconninfoFree
#define PQconninfoParse hub_libpq.PQconninfoParse
#define PQenterPipelineMode hub_libpq.PQenterPipelineMode
#define PQerrorMessage hub_libpq.PQerrorMessage
#define PQescapeIdentifier hub_libpq.PQescapeIdentifier
#define PQexec hub_libpq.PQexec
#define PQexecParams hub_libpq.PQexecParams
#define PQexecPrepared hub_libpq.PQexecPrepared
#define PQexitPipelineMode hub_libpq.PQexitPipelineMode
#define PQfinish hub_libpq.PQfinish
#define PQfreemem hub_libpq.PQfreemem
#define PQgetResult hub_libpq.PQgetResult
#define PQgetisnull hub_libpq.PQgetisnull
#define PQgetvalue hub_libpq.PQgetvalue
#define PQnfields hub_libpq.PQnfields
#define PQntuples hub_libpq.PQntuples
#define PQpipelineSync hub_libpq.PQpipelineSync
#define PQprepare hub_libpq.PQprepare
#define PQresultErrorField hub_libpq.PQresultErrorField
#define PQresultStatus hub_libpq.PQresultStatus
#define PQsendQueryParams hub_libpq.PQsendQueryParams
#define PQsendQueryPrepared hub_libpq.PQsendQueryPrepared
#define PQstatus hub_libpq.PQstatus
#endif

#endif
