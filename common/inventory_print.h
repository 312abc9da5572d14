/*
 * The human report of an inventory snapshot (the JSON object
 * probes/inventory collects and the collector stores per asset).
 */
#ifndef SHAOBING_INVENTORY_PRINT_H
#define SHAOBING_INVENTORY_PRINT_H

#include <stdio.h>

#include <jansson.h>

/* Human report (Chinese labels, English beside) of a snapshot on f. */
void	inventory_print(const json_t *snap, FILE *f);

#endif
