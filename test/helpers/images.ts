import { randomUUID } from 'node:crypto';
import type { ImageRecord } from '../../src/repositories/images.js';

/** A complete image record for seeding through the repository (`repo.insertMany`). */
export function imageRecord(o: Partial<ImageRecord> = {}): ImageRecord {
  const t = o.created_at ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const props: Record<string, string | null> = Object.create(null);
  Object.assign(props, o.properties ?? {});
  const members = o.members ?? [];
  return {
    _id: randomUUID(),
    name: null,
    status: 'queued',
    visibility: 'shared',
    protected: false,
    os_hidden: false,
    owner: 'p1',
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    size: null,
    virtual_size: null,
    min_disk: 0,
    min_ram: 0,
    container_format: null,
    disk_format: null,
    updated_at: t,
    deleted: false,
    deleted_at: null,
    tags: [],
    locations: [],
    version: 0,
    ...o,
    created_at: t,
    properties: props,
    members,
    member_projects: members.map((m) => m.member_id),
    member_keys: members.map((m) => `${m.member_id}:${m.status}`),
  };
}

export const member = (member_id: string, status: 'pending' | 'accepted' | 'rejected' = 'pending') => {
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  return { member_id, status, created_at: now, updated_at: now };
};
