/* SPDX-License-Identifier: MIT */
/* Who is on the other end of a Runtime API connection (sandbox.h, sandbox_peer_is_own). With a
 * network namespace per environment the listener lives in that namespace and only its own
 * processes can reach it. With the host's network, the connecting socket is looked up with
 * sock_diag (its inode, by the connection's addresses and ports) and must be an open fd of a
 * process in the environment's cgroup: a peer-credential check is not there for TCP, and the
 * uid does not tell environments apart (all run as 993). Costs one netlink round trip and a
 * readlink per fd of the environment's few processes, once per connection (runtimes keep
 * theirs open). */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cgroup.h"
#include "sandbox_full.h"

/* The inode of the socket at the other end of the local TCP connection fd. 0 or -errno. */
static int peer_inode(int fd, uint64_t *inode)
{
    struct sockaddr_in self, peer;
    memset(&self, 0, sizeof(self));
    memset(&peer, 0, sizeof(peer));
    socklen_t sl = sizeof(self), pl = sizeof(peer);
    if (getsockname(fd, (struct sockaddr *)&self, &sl) < 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) < 0) {
        return -errno;
    }
    if (self.sin_family != AF_INET || peer.sin_family != AF_INET) {
        return -EAFNOSUPPORT;
    }
    struct {
        struct nlmsghdr h;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof(req));
    req.h.nlmsg_len = sizeof(req);
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.r.sdiag_family = AF_INET;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0u;
    req.r.id.idiag_sport = peer.sin_port; /* the peer's socket: its source is our peer */
    req.r.id.idiag_dport = self.sin_port;
    memcpy(req.r.id.idiag_src, &peer.sin_addr, 4);
    memcpy(req.r.id.idiag_dst, &self.sin_addr, 4);
    req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (s < 0) {
        return -errno;
    }
    union {
        struct nlmsghdr h;
        char buf[1024];
    } ans;
    ssize_t n = send(s, &req, sizeof(req), 0) < 0 ? -1 : recv(s, &ans, sizeof(ans), 0);
    int rc = n < 0 ? -errno : 0;
    (void)close(s);
    if (rc < 0) {
        return rc;
    }
    if (!NLMSG_OK(&ans.h, (unsigned)n) || ans.h.nlmsg_type != SOCK_DIAG_BY_FAMILY) {
        return -ENOENT; /* NLMSG_ERROR: no such socket (it went away, or not on this host) */
    }
    *inode = ((const struct inet_diag_msg *)NLMSG_DATA(&ans.h))->idiag_inode;
    return 0;
}

int sandbox_peer_is_own(const struct sandbox_proc *p, int fd)
{
    if (p->full == NULL || sandbox_full_has_netns(p->full)) {
        return 1; /* none: not checked; own namespace: nobody else can reach the listener */
    }
    uint64_t inode = 0;
    int rc = peer_inode(fd, &inode);
    return rc < 0 ? rc : sandbox_full_owns_socket(p->full, inode);
}
