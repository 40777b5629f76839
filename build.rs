fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // Email templates are compiled into the binary.
    minijinja_embed::embed_templates!("templates/email", &[".subject", ".txt", ".html"]);
}
