/* SPDX-License-Identifier: MIT */
/* The network of an environment under `--network nat` (the default with full isolation): its
 * own network namespace (where its Runtime API listens on 127.0.0.1:9001) joined to the host
 * by a veth pair, and the kernel's NAT to the outside, as a Lambda function outside a VPC.
 *
 * Once per server, vnet_open() loads an nftables table (`nft -f`, Debian's nftables) named
 * after the server that masquerades the environments' traffic, drops what they send to the
 * host itself (its loopback services, the public API, any host address) except the ports
 * opened on purpose, drops what they send to one another and to link-local addresses (a
 * cloud's metadata service), and turns on IPv4 forwarding. Per environment, vnet_attach()
 * (while it parks, off the cold start) creates the veth pair with one end named eth0 in the
 * environment's namespace and gives it an address; nothing is deleted per environment: the
 * pair goes with the namespace.
 *
 * Addresses: the host end of every pair has VNET_GATEWAY/32 (also "host.clambda.internal" in
 * the sandbox's /etc/hosts), an environment has one 169.254.a.b/32 with a host route to it; a
 * port opened with --allow-host-port is the host's 127.0.0.1:PORT at VNET_GATEWAY:PORT. */
#ifndef CLAMBDA_SANDBOX_VNET_H
#define CLAMBDA_SANDBOX_VNET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox_full.h"

/* The host's address as environments see it. */
#define VNET_GATEWAY "169.254.0.1"
/* At most this many host ports opened to environments. */
#define VNET_MAX_PORTS 16

/* One server's NAT network. Caller's storage: vnet_open / vnet_close. */
struct vnet {
    char tag[8];    /* 6 hex digits of the server's cgroup name: table and interface names */
    uint32_t next;  /* next address to try, host order, in 169.254.0.0/16 */
    unsigned n_ifs; /* interfaces made so far ("c<tag>x<n>") */
    int self_ns;    /* our own network namespace (to come back after a setns) */
    bool has_ports; /* route_localnet on the host ends: ports go to the host's 127.0.0.1 */
    bool is_open;
};

/* Loads the nftables table "clambda_<tag>" (replacing a killed predecessor's) for name (the
 * server's cgroup name, sandbox_full_cgroup_name) with ports[0..n_ports) opened, and turns on
 * net.ipv4.ip_forward. The table's comment names its server ("clambda pid=P start=S
 * pidns=N"); other servers' tables whose comment names a process of this PID namespace that
 * no longer runs (killed, never restarted with their state dir) are deleted. OUT: *v. 0 or -errno
 * with d (e.g. nft missing or refusing). Blocks for the nft run (~10 ms). */
int vnet_open(struct vnet *v, const char *name, const uint16_t *ports, int n_ports,
              struct sandbox_diag *d);
/* Connects the network namespace of pid (a freshly cloned environment) to the host: veth
 * pair, addresses, routes. Runs on the calling thread, which enters the namespace for a moment
 * (setns) to configure eth0. 0 or -errno with d naming the netlink step. */
int vnet_attach(struct vnet *v, pid_t pid, struct sandbox_diag *d);
/* Deletes the nftables table (the environments are gone by then). NULL or not open: no-op. */
void vnet_close(struct vnet *v);

#endif /* CLAMBDA_SANDBOX_VNET_H */
