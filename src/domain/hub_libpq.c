/* hub_libpq.c: loads libpq on the hub's first use and fills the table of its functions. */
#define HUB_LIBPQ_TABLE_ONLY /* fills the table by libpq's names */
#include "qrel/qrel.h"
#include "qrel/hub_libpq.h"

#include <dlfcn.h>

struct hub_libpq hub_libpq;

/* What the dynamic loader said about the last failure. */
static const char *
dl_message(void)
{
	const char *m = dlerror();

	return m ? m : "no reason given";
}

/* Fills t from the library h; QREL_IO at the first function it lacks (a libpq
 * older than 14 has no pipeline mode). */
static int
resolve(void *h, struct hub_libpq *t)
{
#define HUB_LIBPQ_RESOLVE(name) \
	if (!(t->name = (__typeof__(t->name))dlsym(h, #name))) \
		return error(QREL_IO, "the hub needs libpq 14 or later (Debian package " HUB_LIBPQ_PACKAGE "): %s", \
			     dl_message());
	HUB_LIBPQ_FUNCTIONS(HUB_LIBPQ_RESOLVE)
#undef HUB_LIBPQ_RESOLVE
	return QREL_OK;
}

int
hub_libpq_open(const char *file)
{
	struct hub_libpq t = { 0 };
	void *h;
	int rc;

	if (hub_libpq.PQclear)
		return QREL_OK;
	dlerror();
	if (!(h = dlopen(file, RTLD_NOW | RTLD_LOCAL)))
		return error(QREL_IO, "the hub needs the PostgreSQL client library: install the Debian package "
			     HUB_LIBPQ_PACKAGE " (%s)", dl_message());
	if ((rc = resolve(h, &t)) != QREL_OK) {
		dlclose(h);
		return rc;
	}
	hub_libpq = t; /* and h stays open: the hub's calls go there until qrel exits */
	return QREL_OK;
}

int
hub_libpq_load(void)
{
	return hub_libpq_open(HUB_LIBPQ_FILE);
}
