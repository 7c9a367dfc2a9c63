export default function ComposerPage() { return null; }
