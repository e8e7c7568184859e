/* Vendor names from the enterprise number in sysObjectID, from a shipped catalog. */
#ifndef NOCD_VENDOR_H
#define NOCD_VENDOR_H

#include <stddef.h>
#include <stdint.h>

struct vendor_catalog;

/* File lines: "<enterprise number> <name...>", '#' comments. */
struct vendor_catalog *vendor_catalog_load(const char *path, char *err, size_t errlen);
void vendor_catalog_free(struct vendor_catalog *c);
/* NULL when unknown. */
const char *vendor_lookup(const struct vendor_catalog *c, uint32_t enterprise);
/* Enterprise number of a sysObjectID ("1.3.6.1.4.1.9.1.516" -> 9), or 0. */
uint32_t vendor_enterprise_of(const char *sys_object_id);

#endif
