/* The program source: RTP at a steady bit rate, every packet stamped with CLOCK_MONOTONIC so the
 * sink can measure the time through the forwarder. H.264-shaped: an SPS every 100 packets (a
 * keyframe the relay can start legs at), non-IDR slices otherwise.
 *   gen DST_IP DST_PORT SRC_PORT SECONDS KBPS PAYLOAD_BYTES */
#include "common.h"

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: gen DST_IP DST_PORT SRC_PORT SECONDS KBPS PAYLOAD\n"); return 2; }
    int fd = udp_socket("127.0.0.1", atoi(argv[3]), 1 << 20);
    struct sockaddr_in dst;
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &dst.sin_addr);
    double seconds = atof(argv[4]);
    int kbps = atoi(argv[5]);
    int payload = atoi(argv[6]);
    int length = 12 + payload;
    double pps = kbps * 1000.0 / (8.0 * length);
    uint64_t interval = (uint64_t)(1e9 / pps);
    long total = (long)(seconds * pps);
    unsigned char packet[2048];
    memset(packet, 0xAB, sizeof packet);
    uint16_t seq = 1;
    uint32_t ts = 0;
    uint64_t next = now_ns();
    long sent = 0;
    for (long i = 0; i < total; i++) {
        packet[0] = 0x80;
        packet[1] = 96;
        packet[2] = (unsigned char)(seq >> 8); packet[3] = (unsigned char)seq;
        packet[4] = (unsigned char)(ts >> 24); packet[5] = (unsigned char)(ts >> 16);
        packet[6] = (unsigned char)(ts >> 8); packet[7] = (unsigned char)ts;
        packet[8] = 0x11; packet[9] = 0x22; packet[10] = 0x33; packet[11] = 0x44;
        packet[12] = (i % 100 == 0) ? 0x67 : 0x41;
        uint64_t stamp = now_ns();
        memcpy(packet + 13, &stamp, sizeof stamp);
        if (sendto(fd, packet, (size_t)length, 0, (struct sockaddr *)&dst, sizeof dst) == length) sent++;
        seq++;
        ts += (uint32_t)(90000 / pps);
        next += interval;
        struct timespec t = { (time_t)(next / 1000000000ull), (long)(next % 1000000000ull) };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
    }
    printf("sent %ld pps %.1f\n", sent, pps);
    return 0;
}
