; paging_tlb: what the architecture defines about TLB coherence (SDM vol.
; 3 4.10): after a PTE changes, the new translation is used once the entry
; is invalidated -- by INVLPG, by a CR3 load (non-global pages), by toggling
; CR4.PGE (global pages too), by INVLPG of a global page; a not-present
; entry is never cached, so making it present needs no invalidation; a page
; made not present faults after INVLPG; and a page fault invalidates the
; faulting address.
;
; What is NOT defined is whether a stale translation is still used before
; the invalidation (the TLB may or may not hold it), and whether a global
; page survives a CR3 load (it may have been evicted). This kernel never
; reads a remapped page between the PTE change and the invalidation, so no
; line depends on TLB size or replacement.
; area: paging, TLB invalidation
; reference: qemu

%define KERNEL_NAME "paging_tlb"
%include "lib/kernel.inc"

LIN     equ 0x300000                ; the remapped linear page
PHYS_A  equ 0x310000                ; its two possible frames
PHYS_B  equ 0x311000

%macro MAP 2                        ; linear, PTE value
        mov dword [PAGE_TAB0 + ((%1) >> 12) * 4], %2
%endmacro

%macro SHOWREAD 1                   ; "label": read [LIN]
        mov eax, [LIN]
        PKV32 %1, eax
        PRINTLN
%endmacro

        bits 32
main:
        call paging_identity
        mov dword [PHYS_A], 0xAAAAAAAA
        mov dword [PHYS_B], 0xBBBBBBBB
        MAP LIN, PHYS_A | PG_P | PG_RW
        mov eax, cr4
        or eax, CR4_PGE
        mov cr4, eax
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax

        SHOWREAD "mapped to A: [300000]="
        MAP LIN, PHYS_B | PG_P | PG_RW
        invlpg [LIN]
        SHOWREAD "remapped to B, invlpg: [300000]="
        MAP LIN, PHYS_A | PG_P | PG_RW
        mov eax, cr3
        mov cr3, eax
        SHOWREAD "remapped to A, mov cr3: [300000]="

        ; global page
        MAP LIN, PHYS_B | PG_P | PG_RW | PG_G
        invlpg [LIN]
        SHOWREAD "global, mapped to B: [300000]="
        MAP LIN, PHYS_A | PG_P | PG_RW | PG_G
        mov eax, cr4
        and eax, ~CR4_PGE
        mov cr4, eax
        or eax, CR4_PGE
        mov cr4, eax
        SHOWREAD "global, remapped to A, cr4.pge toggled: [300000]="
        MAP LIN, PHYS_B | PG_P | PG_RW | PG_G
        invlpg [LIN]
        SHOWREAD "global, remapped to B, invlpg: [300000]="
        MAP LIN, PHYS_A | PG_P | PG_RW | PG_G
        mov eax, cr0                ; CR0.PG 1 -> 0 -> 1 flushes everything
        and eax, ~CR0_PG
        mov cr0, eax
        or eax, CR0_PG
        mov cr0, eax
        SHOWREAD "global, remapped to A, cr0.pg toggled: [300000]="

        ; not-present entries are not cached
        MAP LIN, PHYS_B | PG_RW
        invlpg [LIN]
        PRINT "not present, invlpg: read [300000]: "
        TRY
        mov eax, [LIN]
        ENDTRY
        MAP LIN, PHYS_B | PG_P | PG_RW
        SHOWREAD "made present, no invalidation: [300000]="

        ; a page fault invalidates the faulting address: make the page
        ; read-only for ring 3, fault once, then remap it (no INVLPG) --
        ; the next access must walk the tables again
        MAP LIN, PHYS_A | PG_P | PG_RW
        invlpg [LIN]
        SHOWREAD "mapped to A again: [300000]="
        MAP LIN, PHYS_A | PG_P | PG_US
        invlpg [LIN]
        R3BEGIN "ring 3 write, read-only: "
        mov dword [ss:LIN], 0x33333333
        R3END
        MAP LIN, PHYS_B | PG_P | PG_RW | PG_US
        R3BEGIN "remapped to B writable after the fault, no invlpg, ring 3 write: "
        mov dword [ss:LIN], 0x33333333
        R3END
        mov eax, [PHYS_B]
        PKV32 "frame B=", eax
        mov eax, [PHYS_A]
        PKV32 " frame A=", eax
        PRINTLN
        EXIT 0

%include "lib/tail.inc"
