// 300 frames of a moving, textured 1280x720 picture, VP8-encoded with the engine's settings
// (realtime, cpu-used -6, CBR 1500 kbit/s, 1 thread, lag 0) into frames.vp8 (each frame:
// u32 LE length, u8 keyframe, bytes), and its first 30 frames as raw I420 into frames.i420.
// Used by run.sh (what WebKitGTK's web process pays to decode VP8 itself, issue 17).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

int main(void) {
  const int w = 1280, h = 720, n = 300;
  vpx_codec_enc_cfg_t cfg;
  vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0);
  cfg.g_w = w;
  cfg.g_h = h;
  cfg.g_threads = 1;
  cfg.g_timebase.num = 1;
  cfg.g_timebase.den = 30;
  cfg.g_lag_in_frames = 0;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = 1500;
  cfg.kf_max_dist = 3000;
  vpx_codec_ctx_t enc;
  if (vpx_codec_enc_init(&enc, vpx_codec_vp8_cx(), &cfg, 0)) return 1;
  vpx_codec_control(&enc, VP8E_SET_CPUUSED, -6);
  FILE *vp = fopen("frames.vp8", "wb"), *raw = fopen("frames.i420", "wb");
  if (!vp || !raw) return 1;
  const size_t len = (size_t)w * h * 3 / 2;
  unsigned char *b = malloc(len);
  for (int f = 0; f < n; f++) {
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        b[y * w + x] = (unsigned char)(((((x + f * 4) / 40 + (y + f * 2) / 40) & 1) ? 200 : 50) + (x * y + f * 7) % 23);
    for (size_t i = (size_t)w * h; i < len; i++) b[i] = (unsigned char)(128 + (int)((i + f * 3) % 31) - 15);
    if (f < 30) fwrite(b, 1, len, raw);
    vpx_image_t img;
    vpx_img_wrap(&img, VPX_IMG_FMT_I420, w, h, 1, b);
    vpx_codec_encode(&enc, &img, f, 1, 0, VPX_DL_REALTIME);
    const vpx_codec_cx_pkt_t *p;
    vpx_codec_iter_t it = NULL;
    while ((p = vpx_codec_get_cx_data(&enc, &it))) {
      if (p->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      uint32_t l = (uint32_t)p->data.frame.sz;
      unsigned char key = (p->data.frame.flags & VPX_FRAME_IS_KEY) ? 1 : 0;
      fwrite(&l, 4, 1, vp);
      fwrite(&key, 1, 1, vp);
      fwrite(p->data.frame.buf, 1, l, vp);
    }
  }
  fclose(vp);
  fclose(raw);
  return 0;
}
