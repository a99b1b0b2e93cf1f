// What libvpx's VP8 encoder and decoder hold in memory at a frame size, with the settings
// the engine uses (realtime, cpu-used -6, 1 thread, lag 0, CBR): heap in use (mallinfo2)
// and resident growth after init and after 60 encoded frames (issue 17, BENCHMARKS.md).
//   cc -O1 tests/bench/vpx-memory.c -lvpx -o /tmp/vpx-memory && /tmp/vpx-memory 1280 720
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

static double resident_mb(void) {
  long pages = 0, res = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
  if (f) fclose(f);
  return res * 4096.0 / 1048576.0;
}

static double heap_mb(void) {
  struct mallinfo2 m = mallinfo2();
  return (m.uordblks + m.hblkhd) / 1048576.0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s WIDTH HEIGHT\n", argv[0]);
    return 2;
  }
  int w = atoi(argv[1]), h = atoi(argv[2]);
  vpx_codec_enc_cfg_t cfg;
  vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0);
  cfg.g_w = w;
  cfg.g_h = h;
  cfg.g_threads = 1;
  cfg.g_timebase.num = 1;
  cfg.g_timebase.den = 1000000;
  cfg.g_lag_in_frames = 0;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = (unsigned)((long)w * h * 1500 / (1280 * 720));
  double h0 = heap_mb(), r0 = resident_mb();
  vpx_codec_ctx_t enc;
  if (vpx_codec_enc_init(&enc, vpx_codec_vp8_cx(), &cfg, 0)) return 1;
  vpx_codec_control(&enc, VP8E_SET_CPUUSED, -6);
  double h1 = heap_mb(), r1 = resident_mb();
  size_t len = (size_t)w * h * 3 / 2;
  unsigned char *buf = malloc(len);
  vpx_codec_ctx_t dec;
  vpx_codec_dec_cfg_t dcfg = {1, (unsigned)w, (unsigned)h};
  if (vpx_codec_dec_init(&dec, vpx_codec_vp8_dx(), &dcfg, 0)) return 1;
  double hd = 0, rd = 0;
  for (int f = 0; f < 60; f++) {
    for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)((i * 7 + f * 13 + (i / w) * 3) & 255);
    vpx_image_t img;
    vpx_img_wrap(&img, VPX_IMG_FMT_I420, w, h, 1, buf);
    vpx_codec_encode(&enc, &img, f * 33333, 33333, 0, VPX_DL_REALTIME);
    const vpx_codec_cx_pkt_t *pkt;
    vpx_codec_iter_t it = NULL;
    while ((pkt = vpx_codec_get_cx_data(&enc, &it))) {
      if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      double hb = heap_mb(), rb = resident_mb();
      vpx_codec_decode(&dec, pkt->data.frame.buf, pkt->data.frame.sz, NULL, 0);
      vpx_codec_iter_t dit = NULL;
      while (vpx_codec_get_frame(&dec, &dit)) {}
      hd += heap_mb() - hb;
      rd += resident_mb() - rb;
    }
  }
  double r2 = resident_mb();
  printf("%dx%d VP8 encoder: heap %.1f MB after init, resident +%.1f MB after init; encoder + "
         "decoder + one input frame after 60 frames: resident +%.1f MB; decoder alone: heap %.1f MB, "
         "resident +%.1f MB\n",
         w, h, h1 - h0, r1 - r0, r2 - r0, hd, rd);
  return 0;
}
