/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Services whose endpoints come from an lcont service table file (JSON persist format or
 * Kubernetes Service/EndpointSlice objects). One table per process: the main thread is its
 * only writer (at config load and when a watched file changes); workers pick lock-free. */
#ifndef GW_TABLE_H
#define GW_TABLE_H

#include "gw.h"

/* Apply s->table_file to the table, resolve s->table_service to s->table_id and return the
 * endpoint addresses ("ip:port") it currently has for s->table_port. */
int gw_table_endpoints(struct gw_service *s, char ***ret, char *err, size_t errlen);
/* Pick through the table (its picker and kube-proxy rules), skipping endpoints the gateway
 * found unhealthy. NULL when nothing usable is left. */
struct gw_endpoint *gw_table_pick(struct gw_service *s, const struct sockaddr *client,
                                  struct gw_endpoint *avoid);
/* Report a connection (HTTP: a request in flight) to the table's least-connections
 * accounting. Returns the id to pass to gw_table_conn_close(), 0 when not table-backed. */
uint64_t gw_table_conn_open(struct gw_endpoint *e);
void gw_table_conn_close(uint64_t id);
/* The table generation, for /metrics; 0 when there is no table. */
uint64_t gw_table_generation(void);

#endif
