/*
 * The bench's FreeRDP RemoteFX decoder (`npm run bench -- --decoders`): decodes
 * the RemoteFX messages in a file with FreeRDP's own decoder (libfreerdp2's
 * rfx_process_message, what `xfreerdp /rfx` decodes with) and prints what that
 * cost: one line "messages decoded wall_ms cpu_ms", the medians per message
 * over the passes after the first (which only sets up the decoder's context).
 *
 * The file holds, one after the other, for each message: its destination left
 * and top (16-bit little-endian), its length (32-bit little-endian) and its
 * bytes. Usage: rfxdecode FILE WIDTH HEIGHT PASSES [SCREEN]
 * With SCREEN, the desktop as the first pass left it (every message painted
 * once, in order, on a black desktop) is written there: WIDTH x HEIGHT pixels,
 * B G R X bytes, rows top-down.
 * Built by test/bench/decoders.ts with pkg-config's flags for freerdp2 and winpr2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <freerdp/codec/rfx.h>
#include <freerdp/codec/region.h>
#include <freerdp/codec/color.h>

static double ms(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static unsigned u32(const unsigned char* p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24;
}

static int by_value(const void* a, const void* b)
{
	double x = *(const double*)a, y = *(const double*)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char** argv)
{
	if (argc != 5 && argc != 6)
	{
		fprintf(stderr, "usage: rfxdecode FILE WIDTH HEIGHT PASSES [SCREEN]\n");
		return 2;
	}
	const int width = atoi(argv[2]), height = atoi(argv[3]), passes = atoi(argv[4]);
	FILE* file = fopen(argv[1], "rb");
	if (!file || width <= 0 || height <= 0 || passes < 1 || passes > 64)
	{
		fprintf(stderr, "rfxdecode: bad arguments or no such file\n");
		return 2;
	}
	fseek(file, 0, SEEK_END);
	const long size = ftell(file);
	fseek(file, 0, SEEK_SET);
	unsigned char* data = malloc(size > 0 ? size : 1);
	if (!data || fread(data, 1, size, file) != (size_t)size)
		return 2;
	fclose(file);

	long offsets[4096];
	int count = 0;
	for (long at = 0; at + 8 <= size && count < 4096;)
	{
		const long next = at + 8 + (long)u32(data + at + 4);
		if (next > size)
		{
			fprintf(stderr, "rfxdecode: a message longer than the file\n");
			return 2;
		}
		offsets[count++] = at;
		at = next;
	}

	RFX_CONTEXT* context = rfx_context_new(FALSE);
	if (!context || !rfx_context_reset(context, width, height))
		return 3;
	rfx_context_set_pixel_format(context, PIXEL_FORMAT_BGRX32);
	unsigned char* screen = calloc((size_t)width * height, 4);
	double wall[64], cpu[64];
	int decoded = 0;
	for (int pass = 0; pass <= passes; pass++)
	{
		const double wall0 = ms(CLOCK_MONOTONIC), cpu0 = ms(CLOCK_PROCESS_CPUTIME_ID);
		int ok = 0;
		for (int i = 0; i < count; i++)
		{
			const unsigned char* m = data + offsets[i];
			REGION16 invalid;
			region16_init(&invalid);
			if (rfx_process_message(context, m + 8, u32(m + 4), m[0] | m[1] << 8, m[2] | m[3] << 8, screen,
			                        PIXEL_FORMAT_BGRX32, width * 4, height, &invalid))
				ok++;
			region16_uninit(&invalid);
		}
		if (pass == 0)
		{
			decoded = ok;
			if (argc == 6)
			{
				FILE* out = fopen(argv[5], "wb");
				if (!out || fwrite(screen, 4, (size_t)width * height, out) != (size_t)width * height || fclose(out) != 0)
				{
					fprintf(stderr, "rfxdecode: cannot write %s\n", argv[5]);
					return 2;
				}
			}
			continue;
		}
		wall[pass - 1] = (ms(CLOCK_MONOTONIC) - wall0) / count;
		cpu[pass - 1] = (ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / count;
	}
	qsort(wall, passes, sizeof(double), by_value);
	qsort(cpu, passes, sizeof(double), by_value);
	printf("%d %d %.3f %.3f\n", count, decoded, wall[passes / 2], cpu[passes / 2]);
	rfx_context_free(context);
	free(screen);
	free(data);
	return 0;
}
