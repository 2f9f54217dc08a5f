; paging_pse: 4 MiB pages (CR4.PSE, PDE.PS; SDM vol. 3 4.3) mixed with a
; 4 KiB page table: translation through a 4 MiB PDE, aliasing (one
; physical page seen at two linear addresses, through 4 MiB and through
; 4 KiB mappings), #PF on a not-present and on a supervisor 4 MiB page,
; and the PS bit ignored while CR4.PSE=0 (the PDE then points to a page
; table).
; area: paging, 4 MiB pages
; reference: qemu

%define KERNEL_NAME "paging_pse"
%include "lib/kernel.inc"

BIG     equ 0x800000                ; physical 8..12 MiB (RAM is 16 MiB)

        bits 32
main:
        call paging_identity
        ; PDE 1: linear 4 MiB -> physical 8 MiB (4 MiB page)
        mov dword [PAGE_DIR + 1 * 4], BIG | PG_PS | PG_P | PG_RW | PG_US
        ; PDE 2: linear 8 MiB -> physical 8 MiB, and it doubles as a page-table
        ; pointer (to physical 8 MiB) while CR4.PSE=0
        mov dword [PAGE_DIR + 2 * 4], BIG | PG_PS | PG_P | PG_RW | PG_US
        ; PDE 3: linear 12 MiB -> physical 0 (aliases the low 4 MiB)
        mov dword [PAGE_DIR + 3 * 4], 0 | PG_PS | PG_P | PG_RW | PG_US
        ; PDE 4: 4 MiB page, not present; PDE 5: supervisor 4 MiB page
        mov dword [PAGE_DIR + 4 * 4], BIG | PG_PS | PG_RW | PG_US
        mov dword [PAGE_DIR + 5 * 4], BIG | PG_PS | PG_P | PG_RW
        ; the first words of physical 8 MiB, read as a page table when PSE=0:
        ; entry 0 -> physical 0x300000, entry 1 -> physical 0x301000
        mov dword [BIG], 0x300000 | PG_P | PG_RW | PG_US
        mov dword [BIG + 4], 0x301000 | PG_P | PG_RW | PG_US
        mov dword [BIG + 0x1234], 0xB16B16
        mov dword [0x300000], 0x33333333
        mov dword [0x301008], 0x33311111
        ; 4 KiB alias: linear 0x302000 -> physical 0x303000
        SETPTE 0x302000, 0x303000 | PG_P | PG_RW | PG_US
        mov dword [0x303010], 0x30303030    ; (still unpaged: physical)
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax

        mov eax, cr4
        and eax, CR4_PSE
        PKV32 "cr4.pse=", eax
        PRINTLN
        mov eax, [0x400000 + 0x1234]
        PKV32 "[00401234] (4 MiB page -> 801234)=", eax
        PRINTLN
        mov dword [0x400000 + 0x5678], 0x12345678
        mov eax, [0x800000 + 0x5678]
        PKV32 "write [00405678], read alias [00805678]=", eax
        PRINTLN
        mov eax, [0x800000]
        PKV32 "[00800000] (the would-be PTE, as data)=", eax
        PRINTLN
        mov dword [0xC00000 + 0x20000], 0xC0C0C0C0
        mov eax, [0x20000]
        PKV32 "write [00c20000] (4 MiB page -> 0), read [00020000]=", eax
        PRINTLN
        mov eax, [0xC00000 + 0x300000]
        PKV32 "[00f00000] (4 MiB page -> 300000)=", eax
        PRINTLN
        mov eax, [0x302010]
        PKV32 "[00302010] (4 KiB alias -> 303010)=", eax
        mov dword [0x302014], 0xA11A5
        mov eax, [0x303014]
        PKV32 " write [00302014], read [00303014]=", eax
        PRINTLN
        mov eax, [0xC00000 + 0x303014]
        PKV32 "the same physical word via a 4 MiB page [00f03014]=", eax
        PRINTLN

        PRINT "read 4 MiB page not present [01000010]: "
        TRY
        mov eax, [0x1000010]
        ENDTRY
        R3BEGIN "ring 3 read, supervisor 4 MiB page [01400020]: "
        mov eax, [ss:0x1400020]
        R3END
        R3BEGIN "ring 3 write, 4 MiB user page [00400000]: "
        mov dword [ss:0x400000], 0x0BADF00D
        R3END
        mov eax, [BIG]
        PKV32 "physical 800000 now=", eax
        PRINTLN

        ; PSE off: PDE 2's PS bit is ignored, it points to a page table at 8 MiB
        mov dword [BIG], 0x300000 | PG_P | PG_RW | PG_US
        mov eax, cr4
        and eax, ~CR4_PSE
        mov cr4, eax
        mov eax, cr3
        mov cr3, eax
        mov eax, [0x800000]
        PKV32 "cr4.pse=0: [00800000] (page table at 800000, entry 0 -> 300000)=", eax
        PRINTLN
        mov eax, [0x801008]
        PKV32 "cr4.pse=0: [00801008] (entry 1 -> 301000)=", eax
        PRINTLN
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, [0x800000]
        PKV32 "cr4.pse=1 again: [00800000]=", eax
        PRINTLN
        EXIT 0

%include "lib/tail.inc"
