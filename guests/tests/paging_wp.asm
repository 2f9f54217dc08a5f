; paging_wp: CR0.WP (SDM vol. 3 4.6.1): supervisor writes to read-only
; pages succeed with WP=0 and raise #PF(P|W = 0003) with WP=1 -- for a
; read-only user page, a read-only supervisor page and a read-only PDE
; over a writable PTE -- while user writes to read-only pages fault either
; way (0007) and supervisor writes to writable user pages never do.
; area: paging, CR0.WP
; reference: qemu

%define KERNEL_NAME "paging_wp"
%include "lib/kernel.inc"

RO_U    equ 0x300000                ; read-only user page
RO_S    equ 0x301000                ; read-only supervisor page
RW_U    equ 0x302000                ; writable user page
RO_PDE  equ 0x400000                ; PDE 1 read-only, PTE writable (PAGE_TAB1)

; WRITE "text", address, value: supervisor write then read back
%macro WRITE 3
        PRINT %1
        TRY
        invlpg [%2]
        mov dword [%2], %3
        mov eax, [%2]
        PKV32 "wrote ", eax
        PRINT " "
        ENDTRY
%endmacro

        bits 32
main:
        call paging_identity
        SETPTE RO_U, RO_U | PG_P | PG_US
        SETPTE RO_S, RO_S | PG_P
        SETPTE RW_U, RW_U | PG_P | PG_RW | PG_US
        mov edi, PAGE_TAB1
        mov eax, 0x303000 | PG_P | PG_RW | PG_US
        stosd
        mov ecx, 1023
        xor eax, eax
        rep stosd
        mov dword [PAGE_DIR + 4], PAGE_TAB1 | PG_P | PG_US
        mov eax, cr0
        or eax, CR0_PG
        and eax, ~CR0_WP
        mov cr0, eax

        mov eax, cr0
        and eax, CR0_WP
        PKV32 "cr0.wp=", eax
        PRINTLN
        WRITE "ring 0 write, read-only user page: ", RO_U, 0x10101010
        WRITE "ring 0 write, read-only supervisor page: ", RO_S, 0x20202020
        WRITE "ring 0 write, PDE read-only, PTE writable: ", RO_PDE, 0x30303030
        WRITE "ring 0 write, writable user page: ", RW_U, 0x40404040
        R3BEGIN "ring 3 write, read-only user page: "
        mov dword [ss:RO_U], 0x50505050
        R3END

        mov eax, cr0
        or eax, CR0_WP
        mov cr0, eax
        mov eax, cr0
        and eax, CR0_WP
        PKV32 "cr0.wp=", eax
        PRINTLN
        WRITE "ring 0 write, read-only user page: ", RO_U, 0x11111111
        WRITE "ring 0 write, read-only supervisor page: ", RO_S, 0x21212121
        WRITE "ring 0 write, PDE read-only, PTE writable: ", RO_PDE, 0x31313131
        WRITE "ring 0 write, writable user page: ", RW_U, 0x41414141
        R3BEGIN "ring 3 write, read-only user page: "
        mov dword [ss:RO_U], 0x51515151
        R3END
        PRINT "ring 0 read, read-only supervisor page: "
        TRY
        mov eax, [RO_S]
        PKV32 "read ", eax
        PRINT " "
        ENDTRY
        ; WP=1 -> 0 again: the same write succeeds
        mov eax, cr0
        and eax, ~CR0_WP
        mov cr0, eax
        WRITE "cr0.wp=0 again: ring 0 write, read-only supervisor page: ", RO_S, 0x22222222
        mov eax, [RO_U]
        PKV32 "final [300000]=", eax
        mov eax, [RO_S]
        PKV32 " [301000]=", eax
        mov eax, [0x303000]
        PKV32 " [303000]=", eax
        PRINTLN
        EXIT 0

%include "lib/tail.inc"
