; paging_basic: two-level 4 KiB paging, identity-mapped (SDM vol. 3 4.3,
; 4.6, 4.7): #PF error codes (P, W/R, U/S bits) and CR2 for not-present
; reads and writes at ring 0 and ring 3, user access to a supervisor page,
; user write to a read-only page, an instruction fetch from a supervisor
; page, a not-present PDE, protection combined from PDE and PTE, a push onto
; a not-present user stack page, and a REP MOVSD stopping at a page
; boundary. Each time the hook fixes the entry (INVLPG) and the faulting
; instruction restarts and completes.
; area: paging, #PF
; reference: qemu

%define KERNEL_NAME "paging_basic"
%include "lib/kernel.inc"

TPG    equ 0x300000                ; test pages 0x300000..0x30FFFF
FIXBITS equ KVARS                   ; PTE/PDE bits the hook sets
FIXPDE  equ KVARS + 4               ; nonzero: fix the PDE (with FIXBITS) instead

        bits 32
main:
        call paging_identity
        mov dword [PAGE_DIR + 4], 0         ; 0x400000..0x7FFFFF: no page table
        ; PAGE_TAB1 will map 0x400000.. -> 0x300000.. once the hook installs it
        mov edi, PAGE_TAB1
        mov eax, TPG | PG_P | PG_RW | PG_US
        mov ecx, 16
.pt1:   stosd
        add eax, 0x1000
        loop .pt1
        mov ecx, 1024 - 16
        xor eax, eax
        rep stosd
        ; every dword of the test pages holds its physical address ^ A5000000
        mov edi, TPG
.fill:  mov eax, edi
        xor eax, 0xA5000000
        stosd
        cmp edi, TPG + 0x10000
        jb .fill
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        HOOK hook_fix

        ; ---------------------------------------------------------- ring 0
        SETPTE TPG, TPG | PG_RW | PG_US           ; not present
        mov dword [FIXBITS], PG_P
        PRINT "ring 0 read, not present: "
        TRY
        mov eax, [TPG + 0x10]
        PKV32 "  restarted: read ", eax
        PRINT " "
        ENDTRY
        SETPTE TPG + 0x1000, (TPG + 0x1000) | PG_RW | PG_US
        PRINT "ring 0 write, not present: "
        TRY
        mov dword [TPG + 0x1008], 0x11111111
        mov eax, [TPG + 0x1008]
        PKV32 "  restarted: wrote ", eax
        PRINT " "
        ENDTRY
        PRINT "ring 0 read, PDE not present: "
        mov dword [FIXBITS], PAGE_TAB1 | PG_P | PG_RW | PG_US
        mov dword [FIXPDE], 1
        TRY
        mov eax, [0x400000 + 0x2004]
        PKV32 "  restarted: read ", eax
        PRINT " "
        ENDTRY
        mov dword [FIXPDE], 0

        ; ---------------------------------------------------------- ring 3
        SETPTE TPG + 0x3000, (TPG + 0x3000) | PG_P | PG_RW     ; supervisor
        mov dword [FIXBITS], PG_US
        R3BEGIN "ring 3 read, supervisor page: "
        mov eax, [ss:TPG + 0x3000]
        PKV32 "  restarted: read ", eax
        PRINT " "
        R3END
        SETPTE TPG + 0x4000, (TPG + 0x4000) | PG_P | PG_US     ; read-only
        mov dword [FIXBITS], PG_RW
        R3BEGIN "ring 3 write, read-only page: "
        mov dword [ss:TPG + 0x4000], 0x44444444
        mov eax, [ss:TPG + 0x4000]
        PKV32 "  restarted: wrote ", eax
        PRINT " "
        R3END
        SETPTE TPG + 0x5000, (TPG + 0x5000) | PG_RW | PG_US     ; not present
        mov dword [FIXBITS], PG_P
        R3BEGIN "ring 3 write, not present: "
        mov dword [ss:TPG + 0x5010], 0x55555555
        mov eax, [ss:TPG + 0x5010]
        PKV32 "  restarted: wrote ", eax
        PRINT " "
        R3END
        SETPTE TPG + 0x6000, (TPG + 0x6000) | PG_RW | PG_US     ; not present
        mov dword [FIXBITS], PG_P
        R3BEGIN "ring 3 read, not present: "
        mov eax, [ss:TPG + 0x6ffc]
        PKV32 "  restarted: read ", eax
        PRINT " "
        R3END
        ; instruction fetch: a copy of r3_snippet in a supervisor page
        mov esi, r3_snippet
        mov edi, TPG + 0x7000
        mov ecx, r3_snippet_end - r3_snippet
        rep movsb
        SETPTE TPG + 0x7000, (TPG + 0x7000) | PG_P | PG_RW     ; supervisor
        mov dword [FIXBITS], PG_US
        PRINT "ring 3 fetch, supervisor page: "
        TRY TPG + 0x7000, "snippet"
        TO_RING3 TPG + 0x7000
        ENDTRY
        ; protection combined from both levels: PDE 1 supervisor, PTE user
        mov dword [PAGE_DIR + 4], PAGE_TAB1 | PG_P | PG_RW
        mov eax, cr3
        mov cr3, eax
        mov dword [FIXBITS], PG_US
        mov dword [FIXPDE], 1
        R3BEGIN "ring 3 read, PDE supervisor, PTE user: "
        mov eax, [ss:0x400000 + 0x8000]
        PKV32 "  restarted: read ", eax
        PRINT " "
        R3END
        mov dword [PAGE_DIR + 4], PAGE_TAB1 | PG_P | PG_US
        mov eax, cr3
        mov cr3, eax
        mov dword [FIXBITS], PG_RW
        R3BEGIN "ring 3 write, PDE read-only, PTE writable: "
        mov dword [ss:0x400000 + 0x9000], 0x99999999
        mov eax, [ss:0x400000 + 0x9000]
        PKV32 "  restarted: wrote ", eax
        PRINT " "
        R3END
        mov dword [FIXPDE], 0
        ; a push onto a not-present user stack page
        SETPTE TPG + 0xA000, (TPG + 0xA000) | PG_RW | PG_US
        mov dword [FIXBITS], PG_P
        PRINT "ring 3 push, stack page not present: "
        TRY r3push, "r3"
        TO_RING3 r3push, FL_1, TPG + 0xB000
r3push: push dword 0xAAAAAAAA
        mov eax, [esp]
        PKV32 "  restarted: pushed ", eax
        PRINT " "
        RING3_DONE
        ENDTRY

        ; ---------------------------------------------------------- string op
        SETPTE TPG + 0xD000, (TPG + 0xD000) | PG_RW | PG_US
        mov dword [FIXBITS], PG_P
        HOOK hook_string
        PRINT "rep movsd 8 dwords from 30cff0 to 30bff0, page 30d000 not present: "
        TRY
        mov esi, TPG + 0xCFF0
        mov edi, TPG + 0xBFF0
        mov ecx, 8
        rep movsd
        PKV32 "  restarted: ecx=", ecx
        PKV32 " esi=", esi
        PKV32 " edi=", edi
        mov eax, [TPG + 0xC00C]
        PKV32 " [30c00c]=", eax
        PRINT " "
        ENDTRY
        EXIT 0

; fault hook: set FIXBITS in the PTE (or PDE) of CR2, INVLPG, restart
hook_fix:
        cmp dword [last_vector], 14
        jne .no
        mov eax, [last_cr2]
        cmp dword [FIXPDE], 0
        jne .pde
        call pte_ptr
        mov ecx, [FIXBITS]
        or [eax], ecx
        jmp .inv
.pde:   call pde_ptr
        mov ecx, [FIXBITS]
        or [eax], ecx
.inv:   mov eax, [last_cr2]
        invlpg [eax]
        mov eax, ACT_IRET
        ret
.no:    xor eax, eax
        ret

hook_string:
        PKV32 "  at the fault: ecx=", [ss:ebp + FRAME.ecx]
        PKV32 " esi=", [ss:ebp + FRAME.esi]
        PKV32 " edi=", [ss:ebp + FRAME.edi]
        PRINTLN
        jmp hook_fix

; copied to a supervisor page and run at ring 3 (position-independent)
r3_snippet:
        mov eax, 0x77777777
        RING3_DONE
r3_snippet_end:

%include "lib/tail.inc"
