/* SPDX-License-Identifier: MIT */
/* NAT networking of environments (see vnet.h): the nftables table, loaded once with Debian's
 * nft, and per environment a veth pair made with rtnetlink. Why veth and the kernel's NAT
 * rather than pasta (passt): pasta is a user-space process per environment, measured here at
 * ~0.4 s to start and ~30 MB resident each; a veth pair is kernel state that costs no process
 * and goes away with its namespace. Why no interface deletion at teardown: destroying the
 * namespace destroys the pair, asynchronously, without holding up the server's loop. */
#include "vnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memuse.h"
#include "sandbox_int.h"

extern char **environ;

/* ---- the nftables table --------------------------------------------------------------- */

/* The ruleset for one server: interfaces "c<tag>x*" are its environments' host ends. A port
 * opened on purpose is DNAT'ed from the gateway to the host's 127.0.0.1 (route_localnet on the
 * host ends lets it through), so that a service bound to loopback only is reached too. */
/* owner: the table's comment ("": none). */
static int ruleset(const struct vnet *v, const char *owner, const uint16_t *ports, int n_ports,
                   char *buf, size_t size)
{
    char set[VNET_MAX_PORTS * 8 + 8] = "", pre[512] = "", in[256] = "";
    for (int i = 0; i < n_ports && i < VNET_MAX_PORTS; i++) {
        size_t len = strlen(set);
        (void)snprintf(set + len, sizeof(set) - len, "%s%u", i > 0 ? ", " : "", ports[i]);
    }
    if (n_ports > 0) {
        (void)snprintf(
            pre, sizeof(pre),
            "  chain envs_prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
            "    iifname \"c%sx*\" ip daddr " VNET_GATEWAY
            " tcp dport { %s } dnat ip to 127.0.0.1\n"
            "  }\n",
            v->tag, set);
        (void)snprintf(in, sizeof(in),
                       "    iifname \"c%sx*\" ip daddr 127.0.0.1 tcp dport { %s } accept\n", v->tag,
                       set);
    }
    const char *t = v->tag;
    int n = snprintf(
        buf, size,
        "table inet clambda_%s {}\n"
        "delete table inet clambda_%s\n"
        "table inet clambda_%s {\n"
        "%s%s%s%s"
        "  chain envs_input { type filter hook input priority filter; policy accept;\n"
        "    iifname \"c%sx*\" ct state established,related accept\n"
        "%s"
        "    iifname \"c%sx*\" meta l4proto tcp reject with tcp reset\n"
        "    iifname \"c%sx*\" reject with icmpx admin-prohibited\n"
        "  }\n"
        "  chain envs_forward { type filter hook forward priority filter; policy accept;\n"
        "    iifname \"c%sx*\" ip daddr { 127.0.0.0/8, 169.254.0.0/16 } "
        "reject with icmpx admin-prohibited\n"
        "    oifname \"c%sx*\" ct state established,related accept\n"
        "    oifname \"c%sx*\" drop\n"
        "  }\n"
        "  chain envs_postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
        "    ip saddr 169.254.0.0/16 oifname != \"c%sx*\" masquerade\n"
        "  }\n"
        "}\n",
        t, t, t, owner[0] ? "  comment \"" : "", owner, owner[0] ? "\"\n" : "", pre, t, in, t, t, t,
        t, t, t);
    return (n < 0 || (size_t)n >= size) ? -E2BIG : n;
}

/* Reads fd to its end into out (cap bytes, NUL-terminated; what does not fit is read and
 * dropped). */
static void read_all(int fd, char *out, size_t cap)
{
    size_t len = 0;
    for (ssize_t n = 1; n != 0;) {
        char sink[512];
        bool room = len + 1 < cap;
        n = read(fd, room ? out + len : sink, room ? cap - 1 - len : sizeof(sink));
        if (n < 0 && errno != EINTR) {
            break;
        }
        len += n > 0 && room ? (size_t)n : 0;
    }
    out[len] = '\0';
}

/* Runs nft with args: text (may be NULL) on its stdin; its stdout into out (cap bytes,
 * NUL-terminated, cut when longer) unless out is NULL. 0 or -errno / -EPROTO (exit != 0), with
 * d. */
static int run_nft(char *const *argv, const char *text, char *out, size_t cap,
                   struct sandbox_diag *d)
{
    int in[2];
    int op[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) < 0) {
        return sandbox_diag_set(d, -errno, "pipe2: %s", strerror(errno));
    }
    if (out != NULL && pipe2(op, O_CLOEXEC) < 0) {
        int e = errno;
        (void)close(in[0]);
        (void)close(in[1]);
        return sandbox_diag_set(d, -e, "pipe2: %s", strerror(e));
    }
    size_t len = text != NULL ? strlen(text) : 0;
    ssize_t w = len > 0 ? write(in[1], text, len) : 0; /* < 64 KiB: fits the pipe */
    (void)close(in[1]);
    posix_spawn_file_actions_t fa;
    (void)posix_spawn_file_actions_init(&fa);
    (void)posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    if (out != NULL) {
        (void)posix_spawn_file_actions_adddup2(&fa, op[1], 1);
    }
    pid_t pid = -1;
    int rc = w == (ssize_t)len ? posix_spawnp(&pid, "nft", &fa, NULL, argv, environ) : EIO;
    (void)posix_spawn_file_actions_destroy(&fa);
    (void)close(in[0]);
    if (out != NULL) {
        (void)close(op[1]);
        if (rc == 0) {
            read_all(op[0], out, cap); /* to its end: nft never blocks on a full pipe */
        } else {
            out[0] = '\0';
        }
        (void)close(op[0]);
    }
    if (rc != 0) {
        return sandbox_diag_set(d, -rc, "posix_spawn(nft): %s (the nftables package)",
                                strerror(rc));
    }
    int st = 0;
    pid_t reaped;
    while ((reaped = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    if (reaped != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        return sandbox_diag_set(d, -EPROTO, "nft %s: exit status %d", argv[1],
                                WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    return 0;
}

static int write_proc(const char *path, const char *value, struct sandbox_diag *d)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t w = fd < 0 ? -1 : write(fd, value, strlen(value));
    int e = w == (ssize_t)strlen(value) ? 0 : errno;
    if (fd >= 0) {
        (void)close(fd);
    }
    return e == 0 ? 0 : sandbox_diag_set(d, -e, "write(%s): %s", path, strerror(e));
}

/* OUT: *ticks, the start time of pid (clock ticks after boot, field 22 of /proc/PID/stat). 0,
 * -ESRCH when no process has that pid, or another -errno when it cannot tell (no file
 * descriptor left, a /proc that hides other users' processes): not a verdict. */
static int start_ticks(pid_t pid, unsigned long long *ticks)
{
    char path[64];
    char buf[1024];
    (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno == ENOENT ? -ESRCH : -errno;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int e = n < 0 ? errno : 0;
    (void)close(fd);
    if (n <= 0) {
        return n == 0 || e == ESRCH ? -ESRCH : -e; /* reaped since the open */
    }
    buf[n] = '\0';
    return memuse_stat_field(buf, 22, ticks) ? 0 : -EPROTO;
}

static unsigned long long pidns_inode(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* The table's comment that names its server: "clambda pid=P start=S pidns=N". */
static void owner_comment(char *buf, size_t size)
{
    unsigned long long start = 0; /* unknown: 0, a table never swept */
    (void)start_ticks(getpid(), &start);
    (void)snprintf(buf, size, "clambda pid=%d start=%llu pidns=%llu", (int)getpid(), start,
                   pidns_inode());
}

/* Whether the table text names, in its owner comment, a server of our PID namespace that no
 * longer runs: no process has its pid, or one that started at another time. A table without
 * the comment (or of another namespace, whose pids we cannot see), or whose owner we cannot
 * look up, is not ours to judge. */
static bool owner_gone(const char *table_text)
{
    const char *c = strstr(table_text, "comment \"clambda pid=");
    if (c == NULL) {
        return false;
    }
    char *end = NULL;
    long pid = strtol(c + strlen("comment \"clambda pid="), &end, 10);
    const char *s = end != NULL ? strstr(end, " start=") : NULL;
    unsigned long long start = s != NULL ? strtoull(s + 7, &end, 10) : 0;
    const char *ns = s != NULL ? strstr(end, " pidns=") : NULL;
    unsigned long long pidns = ns != NULL ? strtoull(ns + 7, NULL, 10) : 0;
    if (pid <= 0 || pid > INT_MAX || start == 0 || pidns == 0 || pidns != pidns_inode()) {
        return false;
    }
    unsigned long long now = 0;
    int rc = start_ticks((pid_t)pid, &now);
    return rc == -ESRCH || (rc == 0 && now != start);
}

/* Deletes the tables of servers that were killed and never restarted with their state
 * directory (which replaces its own table): left behind, their conntrack rules slow every
 * packet on the host. Best effort: a table we cannot read stays. A table is deleted by its
 * handle, which nftables never gives again: a server that replaced it meanwhile (the same
 * state directory starting) keeps its new one. */
static void sweep_stale_tables(const struct vnet *v)
{
    char list[8192];
    char a0[] = "nft", a1[] = "list", a2[] = "tables";
    char *list_argv[] = {a0, a1, a2, NULL};
    if (run_nft(list_argv, NULL, list, sizeof(list), NULL) < 0) {
        return;
    }
    for (const char *l = list; (l = strstr(l, "table inet clambda_")) != NULL;) {
        l += strlen("table inet ");
        char table[32];
        size_t n = strcspn(l, " \n");
        if (n >= sizeof(table) || n != strlen("clambda_") + 6 ||
            strncmp(l + strlen("clambda_"), v->tag, 6) == 0) {
            continue;
        }
        memcpy(table, l, n);
        table[n] = '\0';
        char text[16384];
        char b0[] = "nft", b1[] = "-a", b2[] = "list", b3[] = "table", b4[] = "inet";
        char b5[] = "delete", b6[] = "handle";
        char *show[] = {b0, b1, b2, b3, b4, table, NULL};
        const char *h = NULL;
        if (run_nft(show, NULL, text, sizeof(text), NULL) < 0 || !owner_gone(text) ||
            (h = strstr(text, "# handle ")) == NULL) {
            continue;
        }
        char handle[24];
        h += strlen("# handle ");
        size_t hn = strspn(h, "0123456789");
        if (hn == 0 || hn >= sizeof(handle)) {
            continue;
        }
        memcpy(handle, h, hn);
        handle[hn] = '\0';
        char *del[] = {b0, b5, b3, b4, b6, handle, NULL};
        (void)run_nft(del, NULL, NULL, 0, NULL);
    }
}

int vnet_open(struct vnet *v, const char *name, const uint16_t *ports, int n_ports,
              struct sandbox_diag *d)
{
    memset(v, 0, sizeof(*v));
    v->self_ns = -1;
    const char *hex = strrchr(name, '-');
    (void)snprintf(v->tag, sizeof(v->tag), "%.6s", hex != NULL ? hex + 1 : name);
    if (n_ports > VNET_MAX_PORTS) {
        return sandbox_diag_set(d, -E2BIG, "more than %d host ports", VNET_MAX_PORTS);
    }
    unsigned long h = strtoul(v->tag, NULL, 16);
    v->next = (uint32_t)(h % 60000u); /* servers start apart; collisions are skipped */
    v->has_ports = n_ports > 0;
    char text[4096];
    char owner[128];
    owner_comment(owner, sizeof(owner));
    char a0[] = "nft", a1[] = "-f", a2[] = "-";
    char *argv[] = {a0, a1, a2, NULL};
    int rc = ruleset(v, owner, ports, n_ports, text, sizeof(text));
    rc = rc < 0 ? rc : run_nft(argv, text, NULL, 0, d);
    if (rc == -EPROTO) { /* an nft before 0.9.7 knows no table comment: the table without */
        rc = ruleset(v, "", ports, n_ports, text, sizeof(text));
        rc = rc < 0 ? rc : run_nft(argv, text, NULL, 0, d);
    }
    if (rc == -E2BIG) {
        return sandbox_diag_set(d, rc, "nftables ruleset too long");
    }
    if (rc == 0) {
        sweep_stale_tables(v);
    }
    rc = rc < 0 ? rc : write_proc("/proc/sys/net/ipv4/ip_forward", "1", d);
    v->self_ns = rc < 0 ? -1 : open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (rc == 0 && v->self_ns < 0) {
        rc = sandbox_diag_set(d, -errno, "open(/proc/self/ns/net): %s", strerror(errno));
    }
    v->is_open = rc == 0;
    return rc;
}

void vnet_close(struct vnet *v)
{
    if (v == NULL || !v->is_open) {
        return;
    }
    char table[32];
    (void)snprintf(table, sizeof(table), "clambda_%s", v->tag);
    char a0[] = "nft", a1[] = "delete", a2[] = "table", a3[] = "inet";
    char *argv[] = {a0, a1, a2, a3, table, NULL};
    (void)run_nft(argv, NULL, NULL, 0, NULL);
    (void)close(v->self_ns);
    v->is_open = false;
}

/* ---- rtnetlink ------------------------------------------------------------------------ */

/* One request: header, family header, attributes. */
struct nlreq {
    struct nlmsghdr h;
    char body[1024 - sizeof(struct nlmsghdr)];
};

static void nl_init(struct nlreq *r, int type, int flags, const void *fam, size_t fam_len)
{
    memset(r, 0, sizeof(*r));
    r->h.nlmsg_type = (unsigned short)type;
    r->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
    r->h.nlmsg_len = (unsigned)NLMSG_LENGTH(fam_len);
    memcpy(NLMSG_DATA(&r->h), fam, fam_len);
}

static struct rtattr *nl_attr(struct nlreq *r, int type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(r->h.nlmsg_len);
    if (off + RTA_ALIGN(RTA_LENGTH(len)) > sizeof(*r)) {
        abort(); /* requests are a few fixed, small attributes: a bug, never input */
    }
    struct rtattr *a = (struct rtattr *)((char *)r + off);
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len > 0) {
        memcpy(RTA_DATA(a), data, len);
    }
    r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}

/* Closes a nested attribute opened with nl_attr(r, type, NULL, 0). */
static void nl_nest_end(struct nlreq *r, struct rtattr *nest)
{
    nest->rta_len = (unsigned short)((char *)&r->h + r->h.nlmsg_len - (char *)nest);
}

/* Sends r on fd and reads the kernel's acknowledgement. 0 or the kernel's -errno. */
static int nl_talk(int fd, struct nlreq *r)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
        return -errno;
    }
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
        return -errno;
    }
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (!NLMSG_OK(h, (unsigned)n) || h->nlmsg_type != NLMSG_ERROR) {
        return -EPROTO;
    }
    return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

static int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    return fd < 0 ? -errno : fd;
}

/* How many interface names vnet_attach tries when one is taken. */
#define VNET_NAME_TRIES 16

/* The veth pair: host end `host` in our namespace, "eth0" in the namespace ns_fd. */
static int make_pair(int fd, const char *host, int ns_fd)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    struct nlreq r;
    nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
    (void)nl_attr(&r, IFLA_IFNAME, host, strlen(host) + 1);
    struct rtattr *info = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
    (void)nl_attr(&r, IFLA_INFO_KIND, "veth", 5);
    struct rtattr *data = nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *peer = nl_attr(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
    (void)nl_attr(&r, IFLA_IFNAME, "eth0", 5);
    (void)nl_attr(&r, IFLA_NET_NS_FD, &ns_fd, sizeof(ns_fd));
    nl_nest_end(&r, peer);
    nl_nest_end(&r, data);
    nl_nest_end(&r, info);
    return nl_talk(fd, &r);
}

static int link_up(int fd, int index)
{
    struct ifinfomsg ifi = {
        .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    struct nlreq r;
    nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
    return nl_talk(fd, &r);
}

static int add_addr(int fd, int index, uint32_t addr_be)
{
    struct ifaddrmsg ifa = {.ifa_family = AF_INET,
                            .ifa_prefixlen = 32,
                            .ifa_scope = RT_SCOPE_UNIVERSE,
                            .ifa_index = (unsigned)index};
    struct nlreq r;
    nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof(ifa));
    (void)nl_attr(&r, IFA_LOCAL, &addr_be, 4);
    (void)nl_attr(&r, IFA_ADDRESS, &addr_be, 4);
    return nl_talk(fd, &r);
}

/* A route to dst/len through dev index (scope link), or via gw (gw_be != 0). NLM_F_EXCL: an
 * address another environment (or server) holds fails with -EEXIST. */
static int add_route(int fd, int index, uint32_t dst_be, int len, uint32_t gw_be)
{
    struct rtmsg rt = {.rtm_family = AF_INET,
                       .rtm_dst_len = (unsigned char)len,
                       .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = gw_be != 0 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
                       .rtm_type = RTN_UNICAST};
    struct nlreq r;
    nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
    if (len > 0) {
        (void)nl_attr(&r, RTA_DST, &dst_be, 4);
    }
    if (gw_be != 0) {
        (void)nl_attr(&r, RTA_GATEWAY, &gw_be, 4);
    }
    (void)nl_attr(&r, RTA_OIF, &index, sizeof(index));
    return nl_talk(fd, &r);
}

/* The next candidate address 169.254.a.b: a in 1..254 but 169 (metadata services), b in
 * 1..254. */
static uint32_t next_addr(struct vnet *v)
{
    for (;;) {
        uint32_t n = v->next++ % 65536u, a = n >> 8, b = n & 0xff;
        if (a >= 1 && a <= 254 && a != 169 && b >= 1 && b <= 254) {
            return htonl((169u << 24) | (254u << 16) | (a << 8) | b);
        }
    }
}

/* Host side: gateway address, up, a /32 route to a free address (taken: the next one).
 * OUT: *addr_be, the environment's address. */
static int host_side(struct vnet *v, int fd, const char *name, uint32_t *addr_be,
                     struct sandbox_diag *d)
{
    int index = (int)if_nametoindex(name);
    uint32_t gw = inet_addr(VNET_GATEWAY);
    if (index == 0) {
        return sandbox_diag_set(d, -errno, "if_nametoindex(%s): %s", name, strerror(errno));
    }
    int rc = add_addr(fd, index, gw);
    rc = rc < 0 ? rc : link_up(fd, index);
    if (rc < 0) {
        return sandbox_diag_set(d, rc, "rtnetlink(%s up, " VNET_GATEWAY "): %s", name,
                                strerror(-rc));
    }
    rc = -EEXIST;
    for (int i = 0; i < 1024 && rc == -EEXIST; i++) {
        *addr_be = next_addr(v);
        rc = add_route(fd, index, *addr_be, 32, 0);
    }
    if (rc < 0) {
        return sandbox_diag_set(d, rc, "rtnetlink(route to %s): %s", name, strerror(-rc));
    }
    if (v->has_ports) {
        char path[96];
        (void)snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", name);
        return write_proc(path, "1", d);
    }
    return 0;
}

/* Inside the environment's namespace (the calling thread entered it): eth0 with addr_be/32,
 * up, the gateway on the link and the default route through it. */
static int ns_side(uint32_t addr_be, struct sandbox_diag *d)
{
    int fd = nl_open();
    int index = (int)if_nametoindex("eth0");
    uint32_t gw = inet_addr(VNET_GATEWAY);
    int rc = fd < 0 ? fd : (index == 0 ? -ENODEV : 0);
    rc = rc < 0 ? rc : add_addr(fd, index, addr_be);
    rc = rc < 0 ? rc : link_up(fd, index);
    rc = rc < 0 ? rc : add_route(fd, index, gw, 32, 0);
    rc = rc < 0 ? rc : add_route(fd, index, 0, 0, gw);
    if (fd >= 0) {
        (void)close(fd);
    }
    return rc < 0 ? sandbox_diag_set(d, rc, "rtnetlink(eth0 in the environment): %s", strerror(-rc))
                  : 0;
}

int vnet_attach(struct vnet *v, pid_t pid, struct sandbox_diag *d)
{
    char path[64], name[IFNAMSIZ];
    (void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        return sandbox_diag_set(d, -errno, "open(%s): %s", path, strerror(errno));
    }
    int fd = nl_open();
    int rc = fd;
    /* a name in use is skipped: the kernel destroys a dead namespace's veth lazily, so a
     * predecessor's (a killed server with the same state dir) may linger a moment */
    for (int tries = 0; fd >= 0 && tries < VNET_NAME_TRIES; tries++) {
        (void)snprintf(name, sizeof(name), "c%.6sx%x", v->tag, ++v->n_ifs & 0xfffffff);
        rc = make_pair(fd, name, ns);
        if (rc != -EEXIST) {
            break;
        }
    }
    if (rc < 0) {
        rc = sandbox_diag_set(d, rc, "rtnetlink(veth %s): %s", name, strerror(-rc));
    }
    uint32_t addr = 0;
    rc = rc < 0 ? rc : host_side(v, fd, name, &addr, d);
    if (rc == 0 && setns(ns, CLONE_NEWNET) < 0) {
        rc = sandbox_diag_set(d, -errno, "setns(%s): %s", path, strerror(errno));
    } else if (rc == 0) {
        rc = ns_side(addr, d);
        if (setns(v->self_ns, CLONE_NEWNET) < 0) { /* cannot happen: we came from there */
            abort();
        }
    }
    if (fd >= 0) {
        (void)close(fd);
    }
    (void)close(ns);
    return rc;
}
