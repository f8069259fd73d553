/* Every leg's far end: one socket on 0.0.0.0:PORT receives the copies sent to 127.0.x.y:PORT,
 * with recvmmsg, and records the time each spent between the generator and here (1 us buckets, up to 2 s).
 * On SIGTERM prints: received COUNT p50_us P50 p99_us P99 max_us MAX
 *   sink PORT */
#include "common.h"

#define BATCH 64
#define BUCKETS 2000000 /* 1 us buckets up to 2 s */

static uint64_t histogram[BUCKETS + 1];

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: sink PORT\n"); return 2; }
    install_signals();
    int fd = udp_socket("0.0.0.0", atoi(argv[1]), 64 << 20);
    struct timeval timeout = { 0, 200000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    static unsigned char buffers[BATCH][2048];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = buffers[i];
        iov[i].iov_len = sizeof buffers[i];
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    printf("ready %d\n", bound_port(fd));
    fflush(stdout);
    uint64_t received = 0, max = 0;
    while (!stop_requested) {
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        uint64_t now = now_ns();
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_len < 21) continue;
            int cc = buffers[i][0] & 0x0F;
            uint64_t stamp;
            memcpy(&stamp, buffers[i] + 12 + 4 * cc + 1, sizeof stamp);
            uint64_t us = now > stamp ? (now - stamp) / 1000 : 0;
            histogram[us < BUCKETS ? us : BUCKETS]++;
            if (us > max) max = us;
            received++;
        }
    }
    uint64_t p50 = 0, p99 = 0, seen = 0;
    for (int i = 0; i <= BUCKETS; i++) {
        seen += histogram[i];
        if (!p50 && seen * 2 >= received) p50 = (uint64_t)i;
        if (!p99 && seen * 100 >= received * 99) { p99 = (uint64_t)i; break; }
    }
    printf("received %llu p50_us %llu p99_us %llu max_us %llu\n",
           (unsigned long long)received, (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max);
    return 0;
}
