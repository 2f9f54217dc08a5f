; cr_checks: MOV to CR0 consistency checks (SDM vol. 2 MOV -- Move to/from
; Control Registers: "#GP(0) if an attempt is made to write invalid bit
; combinations in CR0, such as setting PG with PE clear, or NW with CD
; clear"), CR0.ET hardwired to 1 (P6), MOV CRn at ring 3 (#GP(0)) and to
; an undefined control register (#UD).
;
; QEMU 7.2 accepts both invalid combinations: NW=1 with CD=0 is stored,
; and PG=1 with PE=0 is taken as paging in real mode -- the machine then
; triple-faults, so that check comes last. Bochs raises #GP(0) for both.
; The reference transcript is bochs' (QEMU's: cr_checks.qemu.txt, status 0).
; area: control registers
; reference: bochs

%define KERNEL_NAME "cr_checks"
%include "lib/kernel.inc"

        bits 32
main:
        mov eax, cr0
        and eax, ~CR0_ET
        mov cr0, eax
        mov eax, cr0
        and eax, CR0_ET
        PKV32 "cr0.et after writing 0: ", eax
        PRINTLN
        mov eax, cr0
        and eax, ~(CR0_CD | CR0_NW)
        mov cr0, eax
        mov eax, cr0
        and eax, CR0_CD | CR0_NW
        PKV32 "cr0.cd|nw after clearing both: ", eax
        PRINTLN
        PRINT "mov cr0 with cd=1 nw=1: "
        TRY
        mov eax, cr0
        or eax, CR0_CD | CR0_NW
        mov cr0, eax
        ENDTRY
        PRINT "mov cr0 with cd=0 nw=1: "
        TRY
        mov eax, cr0
        and eax, ~CR0_CD
        or eax, CR0_NW
        mov cr0, eax
        ENDTRY
        mov eax, cr0
        and eax, CR0_CD | CR0_NW
        PKV32 "cr0.cd|nw now: ", eax
        PRINTLN
        R3BEGIN "mov eax,cr3 at ring 3: "
        mov eax, cr3
        R3END
        R3BEGIN "mov cr2,eax at ring 3: "
        mov cr2, eax
        R3END
        PRINT "mov eax,cr6: "
        TRY
        db 0x0F, 0x20, 0xF0
        ENDTRY
        PRINT "mov cr0 with pg=1 pe=0: "
        TRY
        mov eax, cr0
        and eax, ~CR0_PE
        or eax, CR0_PG
        mov cr0, eax
        ENDTRY
        EXIT 0

%include "lib/tail.inc"
