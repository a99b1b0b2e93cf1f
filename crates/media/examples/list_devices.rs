//! Prints every camera, microphone and speaker the media crate sees.
//! Run: `cargo run -p peercall-media --example list_devices`

use peercall_media::devices::DeviceSnapshot;

fn main() {
    let snap = DeviceSnapshot::take();
    println!("cameras:");
    for c in &snap.cameras {
        println!("  {:<40} {}", c.id, c.name);
        for f in &c.formats {
            println!(
                "      {}x{} @ {} fps {:?}",
                f.width, f.height, f.fps, f.pixel_format
            );
        }
    }
    for (title, list) in [
        ("microphones", &snap.microphones),
        ("speakers", &snap.speakers),
    ] {
        println!("{title}:");
        for d in list {
            let default = if d.is_default { " (default)" } else { "" };
            println!("  {:<40} {}{default}", d.id, d.name);
        }
    }
}
