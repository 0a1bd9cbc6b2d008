/**
 * Names of the decoded-audio files the host writes for playback: `f<n>.wav`, one per open file.
 * Both hosts' media routes and the preload accept only this shape, so no other name ever reaches
 * the file system.
 */
const MEDIA_NAME = /^f\d+\.wav$/;

export function isMediaName(name: string): boolean {
  return MEDIA_NAME.test(name);
}

export function mediaName(fileId: string): string {
  return `${fileId}.wav`;
}
