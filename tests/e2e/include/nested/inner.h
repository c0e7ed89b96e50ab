/* Included with "..." from xt_consts.h: found next to it. */
#pragma once
#define INNER_BASE 100
#define INNER_NAME "inner"
