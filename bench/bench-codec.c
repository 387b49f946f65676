// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Figure 3 of issue 6: codec throughput. COBS + CRC-32 encode and decode, and
 * BLE segmentation and reassembly, in MB/s, and the ratio to the USB
 * full-speed (12 Mbit/s) and high-speed (480 Mbit/s) line rates: how far the
 * codec is from being the bottleneck of the service port.
 *
 *   bench-codec [--smoke] [--long]
 * Prints a table and one machine-readable line per figure:
 *   figure name=<name> value=<v> unit=<unit>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdc-frame.h"
#include "seg.h"

#define USB_FS_MBPS (12e6 / 8 / 1e6)  /* MB/s */
#define USB_HS_MBPS (480e6 / 8 / 1e6) /* MB/s */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile size_t sink;

static int count_msg(const uint8_t *msg, size_t len, int drop, void *user_data)
{
	(void)drop;
	(void)user_data;
	sink += msg ? len : 0;
	return 0;
}

static int count_seg(const uint8_t *seg, size_t len, void *user_data)
{
	struct seg_rx *rx = user_data;
	const uint8_t *msg;
	size_t n;
	int r = seg_rx_push(rx, seg, len, &msg, &n);
	if (r == 1)
		sink += n;
	return r < 0 ? r : 0;
}

static int drop_seg(const uint8_t *seg, size_t len, void *user_data)
{
	(void)seg;
	(void)user_data;
	sink += len;
	return 0;
}

struct result {
	const char *name;
	double mbps;
};

static void report(struct result r)
{
	printf("%-34s %10.1f MB/s %10.1f x USB-FS %8.2f x USB-HS\n", r.name, r.mbps,
	       r.mbps / USB_FS_MBPS, r.mbps / USB_HS_MBPS);
	printf("figure name=%s value=%.1f unit=MB/s\n", r.name, r.mbps);
	printf("figure name=%s_vs_usb_hs value=%.2f unit=ratio\n", r.name, r.mbps / USB_HS_MBPS);
}

int main(int argc, char **argv)
{
	double seconds = 0.5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			seconds = 0.01;
		else if (!strcmp(argv[i], "--long"))
			seconds = 3.0;
		else {
			fprintf(stderr, "usage: bench-codec [--smoke] [--long]\n");
			return 2;
		}
	}

	/* A typical large message: a SubmitCommand with its chain (~2 KiB),
	 * bytes shaped like protobuf (small varints, zeros, random DER). */
	static uint8_t msg[2048], enc[CDC_FRAME_ENCODED_MAX(sizeof(msg))],
	    rxbuf[CDC_FRAME_ENCODED_MAX(sizeof(msg))], reasm[SEG_DEFAULT_MAX];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(msg); i++) {
		x = x * 1103515245u + 12345u;
		msg[i] = (i % 9 == 0) ? 0 : (uint8_t)(x >> 16);
	}
	long enc_len = cdc_frame_encode(msg, sizeof(msg), enc, sizeof(enc));
	if (enc_len < 0)
		return 1;

	printf("codec throughput, %zu-byte messages (%.2f s per figure)\n", sizeof(msg), seconds);
	printf("USB full speed = %.1f MB/s, high speed = %.1f MB/s (line rates)\n\n", USB_FS_MBPS,
	       USB_HS_MBPS);

	double t0 = now(), t;
	size_t bytes = 0;
	do {
		for (int k = 0; k < 64; k++) {
			long n = cdc_frame_encode(msg, sizeof(msg), enc, sizeof(enc));
			sink += (size_t)n;
			bytes += sizeof(msg);
		}
	} while ((t = now()) - t0 < seconds);
	report((struct result){"cdc_encode", (double)bytes / (t - t0) / 1e6});

	struct cdc_rx rx;
	cdc_rx_init(&rx, rxbuf, sizeof(rxbuf));
	t0 = now();
	bytes = 0;
	do {
		for (int k = 0; k < 64; k++) {
			if (cdc_rx_feed(&rx, enc, (size_t)enc_len, count_msg, NULL) < 0)
				return 1;
			bytes += sizeof(msg);
		}
	} while ((t = now()) - t0 < seconds);
	if (rx.frames_ok == 0)
		return 1;
	report((struct result){"cdc_decode", (double)bytes / (t - t0) / 1e6});

	static const size_t seg_sizes[] = {20, 244,
	                                   512}; /* ATT_MTU 23, 247, 517 (values cap at 512) */
	for (size_t s = 0; s < sizeof(seg_sizes) / sizeof(seg_sizes[0]); s++) {
		char name[64];
		struct seg_tx tx;
		seg_tx_reset(&tx);
		t0 = now();
		bytes = 0;
		do {
			for (int k = 0; k < 64; k++) {
				if (seg_tx_split(&tx, msg, sizeof(msg), seg_sizes[s], drop_seg,
				                 NULL) < 0)
					return 1;
				bytes += sizeof(msg);
			}
		} while ((t = now()) - t0 < seconds);
		snprintf(name, sizeof(name), "seg_split_mtu%zu",
		         seg_sizes[s] == 512 ? (size_t)517 : seg_sizes[s] + 3);
		report((struct result){name, (double)bytes / (t - t0) / 1e6});

		struct seg_rx srx;
		seg_tx_reset(&tx);
		seg_rx_init(&srx, reasm, sizeof(reasm));
		t0 = now();
		bytes = 0;
		do {
			for (int k = 0; k < 64; k++) {
				if (seg_tx_split(&tx, msg, sizeof(msg), seg_sizes[s], count_seg,
				                 &srx) < 0)
					return 1;
				bytes += sizeof(msg);
			}
		} while ((t = now()) - t0 < seconds);
		snprintf(name, sizeof(name), "seg_split_reassemble_mtu%zu",
		         seg_sizes[s] == 512 ? (size_t)517 : seg_sizes[s] + 3);
		report((struct result){name, (double)bytes / (t - t0) / 1e6});
	}
	return 0;
}
