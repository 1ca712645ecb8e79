/* qrel.h: the umbrella header; owns config.h, feature macros and common includes. */
#ifndef QREL_QREL_H
#define QREL_QREL_H

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

#include "qrel/error.h"

#endif
