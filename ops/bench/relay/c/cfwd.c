/* The baseline: the least a forwarder can do for the same fan-out. recvmmsg in, then for each
 * packet and each leg a rewritten 12-byte RTP header (SSRC, sequence, timestamp, payload type)
 * in its own iovec next to the shared payload, sent with sendmmsg in batches of 256.
 * On SIGTERM prints: forwarded IN OUT
 *   cfwd LEGS SINK_PORT */
#include "common.h"

#define RECV_BATCH 32

/* SIGUSR1 marks the end of the warm-up: the counts then are printed so the runner measures after it. */
static volatile sig_atomic_t mark_requested = 0;
static void on_mark(int sig) { (void)sig; mark_requested = 1; }
#define SEND_BATCH 256

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: cfwd LEGS SINK_PORT\n"); return 2; }
    install_signals();
    struct sigaction mark;
    memset(&mark, 0, sizeof mark);
    mark.sa_handler = on_mark;
    sigaction(SIGUSR1, &mark, NULL);
    int legs = atoi(argv[1]);
    int fd = udp_socket("127.0.0.1", 0, 4 << 20);
    struct sockaddr_in *addresses = calloc((size_t)legs, sizeof *addresses);
    uint32_t *ssrc = calloc((size_t)legs, sizeof *ssrc);
    uint16_t *seq_offset = calloc((size_t)legs, sizeof *seq_offset);
    uint32_t *ts_offset = calloc((size_t)legs, sizeof *ts_offset);
    for (int k = 0; k < legs; k++) {
        leg_address(&addresses[k], k, atoi(argv[2]));
        ssrc[k] = 0x50000000u + (uint32_t)k;
        seq_offset[k] = (uint16_t)(k * 7919);
        ts_offset[k] = (uint32_t)k * 104729u;
    }
    static unsigned char in[RECV_BATCH][2048];
    struct iovec in_iov[RECV_BATCH];
    struct mmsghdr in_msgs[RECV_BATCH];
    for (int i = 0; i < RECV_BATCH; i++) {
        in_iov[i].iov_base = in[i];
        in_iov[i].iov_len = sizeof in[i];
        memset(&in_msgs[i], 0, sizeof in_msgs[i]);
        in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
        in_msgs[i].msg_hdr.msg_iovlen = 1;
    }
    static unsigned char headers[SEND_BATCH][16];
    static struct iovec out_iov[SEND_BATCH][2];
    static struct mmsghdr out[SEND_BATCH];
    printf("ready %d\n", bound_port(fd));
    fflush(stdout);
    uint64_t received = 0, sent = 0;
    while (!stop_requested) {
        if (mark_requested) {
            mark_requested = 0;
            printf("mark %llu %llu\n", (unsigned long long)received, (unsigned long long)sent);
            fflush(stdout);
        }
        int n = recvmmsg(fd, in_msgs, RECV_BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        for (int i = 0; i < n; i++) {
            unsigned char *p = in[i];
            unsigned int len = in_msgs[i].msg_len;
            if (len < 12 || (p[0] >> 6) != 2) continue;
            received++;
            uint16_t seq = (uint16_t)((p[2] << 8) | p[3]);
            uint32_t ts = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
            int count = 0;
            for (int k = 0; k < legs; k++) {
                unsigned char *h = headers[count];
                uint16_t s = (uint16_t)(seq + seq_offset[k]);
                uint32_t t = ts + ts_offset[k];
                h[0] = p[0]; h[1] = (unsigned char)((p[1] & 0x80) | 96);
                h[2] = (unsigned char)(s >> 8); h[3] = (unsigned char)s;
                h[4] = (unsigned char)(t >> 24); h[5] = (unsigned char)(t >> 16); h[6] = (unsigned char)(t >> 8); h[7] = (unsigned char)t;
                h[8] = (unsigned char)(ssrc[k] >> 24); h[9] = (unsigned char)(ssrc[k] >> 16); h[10] = (unsigned char)(ssrc[k] >> 8); h[11] = (unsigned char)ssrc[k];
                out_iov[count][0].iov_base = h; out_iov[count][0].iov_len = 12;
                out_iov[count][1].iov_base = p + 12; out_iov[count][1].iov_len = len - 12;
                memset(&out[count].msg_hdr, 0, sizeof out[count].msg_hdr);
                out[count].msg_hdr.msg_name = &addresses[k];
                out[count].msg_hdr.msg_namelen = sizeof addresses[k];
                out[count].msg_hdr.msg_iov = out_iov[count];
                out[count].msg_hdr.msg_iovlen = 2;
                if (++count == SEND_BATCH || k == legs - 1) {
                    int done = 0;
                    while (done < count) {
                        int r = sendmmsg(fd, out + done, (unsigned int)(count - done), 0);
                        if (r > 0) { done += r; sent += (uint64_t)r; }
                        else if (errno != EINTR && errno != EAGAIN) done++;
                    }
                    count = 0;
                }
            }
        }
    }
    printf("forwarded %llu %llu\n", (unsigned long long)received, (unsigned long long)sent);
    return 0;
}
